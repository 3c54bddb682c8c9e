import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { gunzipSync } from "node:zlib";
import { afterEach, describe, expect, it } from "vitest";
import type { Deploy } from "./api/types";
import { deployFixture, instanceFixture } from "./testing/fixtures";
import { reply, runWithRoutes, type Routes } from "./testing/fake-cli";

const shop = instanceFixture({ id: "shopid00000000", subdomain: "shop", url: "https://shop.example.com" });
const listed: Routes = { "GET /api/instances": () => reply(200, { instances: [shop], quota: 5 }) };
const loggedOut = { PICOBASE_URL: "", PICOBASE_TOKEN: "" };

const temps: string[] = [];
afterEach(() => {
  for (const dir of temps.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

/** A temporary folder removed after the test. */
function tempDir(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  temps.push(dir);
  return dir;
}

describe("exit codes and error lines", () => {
  it("0 with the version", async () => {
    const { version } = JSON.parse(fs.readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string };
    expect(await runWithRoutes(["--version"], {})).toMatchObject({ exitCode: 0, stdout: `${version}\n` });
  });

  it("2 for commander's usage errors", async () => {
    expect((await runWithRoutes(["bogus"], {})).exitCode).toBe(2);
    expect((await runWithRoutes(["instances", "list", "--nope"], {})).exitCode).toBe(2);
    expect((await runWithRoutes(["instances"], {})).exitCode).toBe(2);
  });

  it("2 for our usage errors, with one line", async () => {
    const result = await runWithRoutes(["secrets", "set", "A=1", "sk_live_oops", "--instance", "shop"], listed);
    expect(result).toMatchObject({ exitCode: 2, stderr: "error: argument 2 is not NAME=VALUE.\n" });
    expect(result.seen).toEqual([]);
  });

  it("1 and one line when not logged in", async () => {
    const result = await runWithRoutes(["instances", "list"], {}, { env: loggedOut });
    expect(result).toMatchObject({ exitCode: 1, stdout: "", stderr: "error: not logged in: run `picobase login`, or set PICOBASE_URL and PICOBASE_TOKEN.\n" });
  });

  it("1 with the platform's message", async () => {
    const routes = { "POST /api/instances": () => reply(409, { error: { code: "conflict", message: "This subdomain is already taken." } }) };
    const result = await runWithRoutes(["instances", "create", "Shop", "--subdomain", "shop"], routes);
    expect(result).toMatchObject({ exitCode: 1, stderr: "error: This subdomain is already taken.\n" });
    expect(JSON.parse(result.seen[0]!.body.toString())).toEqual({ name: "Shop", subdomain: "shop" });
  });
});

describe("instances", () => {
  it("lists as a table for people and as JSON for scripts", async () => {
    const table = await runWithRoutes(["instances", "list"], listed);
    expect(table.stdout.split("\n")[0]).toBe("SUBDOMAIN  NAME    STATUS   URL                       ID");
    expect(table.stdout).toContain("shop       My app  running  https://shop.example.com  shopid00000000");
    const json = await runWithRoutes(["instances", "list", "--json"], listed);
    expect(JSON.parse(json.stdout)).toEqual([shop]);
  });

  it("starts by subdomain and waits", async () => {
    const routes = { ...listed, "POST /api/instances/shopid00000000/start": () => reply(200, { instance: shop }) };
    const result = await runWithRoutes(["instances", "start", "shop"], routes);
    expect(result).toMatchObject({ exitCode: 0, stdout: "shop is running at https://shop.example.com\n" });
    expect(result.seen[1]?.query.get("wait")).toBe("1");
  });

  it("takes the instance from PICOBASE_INSTANCE", async () => {
    const result = await runWithRoutes(["instances", "status", "--json"], listed, { env: { PICOBASE_INSTANCE: "shopid00000000" } });
    expect(JSON.parse(result.stdout)).toEqual(shop);
  });

  it("will not delete off a terminal without --yes", async () => {
    const result = await runWithRoutes(["instances", "delete", "shop"], listed);
    expect(result).toMatchObject({ exitCode: 2, stderr: "error: deleting an instance needs --yes when not on a terminal.\n" });
    expect(result.seen.map((r) => r.method)).toEqual(["GET"]);
  });
});

describe("deploy", () => {
  function appDir(): string {
    const dir = tempDir("picobase-app-");
    fs.mkdirSync(path.join(dir, "pb_hooks"));
    fs.writeFileSync(path.join(dir, "pb_hooks/main.pb.js"), "routerAdd('GET', '/hi', (e) => e.string(200, 'hi'));\n");
    return dir;
  }

  function deployRoutes(finalDeploy: Deploy): Routes {
    return {
      ...listed,
      "POST /api/instances/shopid00000000/deploys": () => reply(202, { deploy: deployFixture({ status: "pending" }) }),
      "GET /api/instances/shopid00000000": () => reply(200, { instance: shop }),
      "GET /api/instances/shopid00000000/deploys/dep_abc": () => reply(200, { deploy: finalDeploy, files: [] }),
    };
  }

  it("uploads a gzip bundle with its length, waits, and prints where it is live", async () => {
    const result = await runWithRoutes(["deploy", appDir(), "--instance", "shop"], deployRoutes(deployFixture({ status: "live" })));
    expect(result).toMatchObject({ exitCode: 0, stdout: "Deploy #3 is live at https://shop.example.com\n" });
    const upload = result.seen.find((r) => r.method === "POST")!;
    expect(upload.headers.get("content-type")).toBe("application/gzip");
    expect(Number(upload.headers.get("content-length"))).toBe(upload.body.length);
    expect(gunzipSync(upload.body).toString("latin1")).toContain("pb_hooks/main.pb.js");
    expect(result.stderr).toContain("No pb_migrations or pb_public in");
    expect(result.stderr).toContain("100% sent");
  });

  it("fails with the deploy's message", async () => {
    const failed = deployFixture({ status: "failed", message: "PocketBase did not start:\npanic: route clash" });
    const result = await runWithRoutes(["deploy", appDir(), "--instance", "shop"], deployRoutes(failed));
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain("error: Deploy #3 failed; the previous version and its data are back.\nPocketBase did not start:\npanic: route clash\n");
  });

  it("prints the final deploy with --json", async () => {
    const result = await runWithRoutes(["deploy", appDir(), "-i", "shop", "--json"], deployRoutes(deployFixture({ status: "live" })));
    expect(JSON.parse(result.stdout)).toMatchObject({ id: "dep_abc", status: "live" });
  });

  it("refuses a folder without bundle folders before any upload", async () => {
    const empty = tempDir("picobase-empty-");
    const result = await runWithRoutes(["deploy", empty, "-i", "shop"], listed);
    expect(result).toMatchObject({ exitCode: 1, stderr: `error: nothing to deploy: ${empty} has none of pb_hooks, pb_migrations, pb_public.\n` });
  });
});

describe("deploys rollback", () => {
  it("finds the deploy by number and waits for it", async () => {
    const old = deployFixture({ id: "dep_old", number: 2, status: "superseded" });
    const routes: Routes = {
      ...listed,
      "GET /api/instances/shopid00000000/deploys": () => reply(200, { deploys: [deployFixture({ status: "live" }), old] }),
      "POST /api/instances/shopid00000000/deploys/dep_old/rollback": () => reply(202, { deploy: { ...old, status: "pending" } }),
      "GET /api/instances/shopid00000000": () => reply(200, { instance: shop }),
      "GET /api/instances/shopid00000000/deploys/dep_old": () => reply(200, { deploy: { ...old, status: "live" } }),
    };
    const result = await runWithRoutes(["deploys", "rollback", "#2", "-i", "shop"], routes);
    expect(result).toMatchObject({ exitCode: 0, stdout: "Deploy #2 is live again at https://shop.example.com\n" });
  });
});

describe("secrets", () => {
  it("sends set and unset, never printing values", async () => {
    const routes: Routes = { ...listed, "PATCH /api/instances/shopid00000000/secrets": () => reply(200, { secrets: [], restarted: true }) };
    const set = await runWithRoutes(["secrets", "set", "STRIPE_KEY=sk_live_x=y", "A=1", "-i", "shop"], routes);
    expect(JSON.parse(set.seen[1]!.body.toString())).toEqual({ set: { STRIPE_KEY: "sk_live_x=y", A: "1" } });
    expect(set.stdout).toBe("Set STRIPE_KEY, A on shop.\nThe instance restarted to apply the change.\n");
    const unset = await runWithRoutes(["secrets", "unset", "A", "A", "-i", "shop", "--no-wait"], routes);
    expect(JSON.parse(unset.seen[1]!.body.toString())).toEqual({ unset: ["A"] });
    expect(unset.seen[1]?.query.get("wait")).toBeNull();
  });
});

describe("login", () => {
  it("checks the token, then saves it", async () => {
    const home = tempDir("picobase-home-");
    const routes: Routes = {
      "GET /api/account/tokens": (req) =>
        req.headers.get("authorization") === "Bearer pbt_abc_secret"
          ? reply(200, { tokens: [{ id: "abc", name: "laptop", prefix: "pbt_abc", createdAt: "", lastUsedAt: null, revokedAt: null }] })
          : reply(401, { error: { code: "unauthorized", message: "Authentication required." } }),
    };
    const ok = await runWithRoutes(["login", "--url", "http://pb.test/", "--token", "pbt_abc_secret"], routes, { env: loggedOut, home });
    expect(ok.exitCode).toBe(0);
    expect(ok.stdout).toContain('Logged in to http://pb.test with token "laptop"');
    expect(JSON.parse(fs.readFileSync(path.join(ok.configDir, "config.json"), "utf8"))).toEqual({ url: "http://pb.test", token: "pbt_abc_secret" });
    const bad = await runWithRoutes(["login", "--url", "http://pb.test", "--token", "pbt_abc_wrong"], routes, { env: loggedOut, home });
    expect(bad).toMatchObject({ exitCode: 1, stderr: "error: Authentication required. Check the token: it must be a live account token (pbt_…).\n" });
  });

  it("tells an API key from an account token before any request", async () => {
    const result = await runWithRoutes(["login", "--url", "http://pb.test", "--token", "pbk_abc_secret"], {}, { env: loggedOut });
    expect(result.stderr).toContain("error: that is an instance API key (pbk_…)");
    expect(result.seen).toEqual([]);
  });

  it("needs --url and --token off a terminal", async () => {
    expect(await runWithRoutes(["login"], {}, { env: loggedOut })).toMatchObject({ exitCode: 2, stderr: "error: --url is required when not on a terminal.\n" });
  });
});

describe("logs", () => {
  it("prints the tail, or the lines as JSON", async () => {
    const routes: Routes = { ...listed, "GET /api/instances/shopid00000000/logs": (req) => reply(200, { lines: [`lines=${req.query.get("lines")}`, "b"] }) };
    expect((await runWithRoutes(["logs", "-i", "shop", "-n", "5"], routes)).stdout).toBe("lines=5\nb\n");
    expect(JSON.parse((await runWithRoutes(["logs", "-i", "shop", "--json"], routes)).stdout)).toEqual(["lines=200", "b"]);
  });
});
