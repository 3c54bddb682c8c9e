import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { execaSync } from "execa";
import PocketBase from "pocketbase";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCliHome, runCli, type CliResult } from "../support/cli";
import { startTestDns, type TestDns } from "../support/dns-server";
import { createGatewayClient, type GatewayClient } from "../support/gateway-client";
import { exerciseMoodboard } from "../support/moodboard";
import { repoRoot } from "../support/tools";
import { createSignedInUser, startWebPlatform, webRequest, type WebPlatform } from "../support/web";

// The `picobase` CLI as a user runs it, against a production build and the real orchestrator:
// log in with a token, deploy the mood board, use it through the gateway with the official SDK,
// then a deploy whose migration fails: rolled back, data and previous hooks intact.

let web: WebPlatform;
/** Custom domains are checked against it (DNS_RESOLVER), never against the machine's resolvers. */
let dns: TestDns;
let gateway: GatewayClient;
let home: string;
let project: string;
const sub = `moods-${Date.now().toString(36)}`;

const cli = (...args: string[]): Promise<CliResult> => runCli(args, { configHome: home });
const ok = (r: CliResult) => expect(r.exitCode, `${r.stdout}\n${r.stderr}`).toBe(0);

beforeAll(async () => {
  dns = await startTestDns();
  web = await startWebPlatform({ orchestratorEnv: { DNS_RESOLVER: dns.address } });
  gateway = createGatewayClient({ port: web.orchestrator.gatewayPort });
  home = createCliHome();
  // The developer's project: the mood board's folders, as they would have them in their repo.
  project = fs.mkdtempSync(path.join(os.tmpdir(), "moodboard-project-"));
  for (const dir of ["pb_hooks", "pb_migrations", "pb_public"])
    fs.cpSync(path.join(repoRoot, "templates/moodboard", dir), path.join(project, dir), { recursive: true });
});

afterAll(async () => {
  await gateway?.close();
  await web?.dispose();
  await dns?.close();
  fs.rmSync(home, { recursive: true, force: true });
  fs.rmSync(project, { recursive: true, force: true });
});

describe("picobase CLI", () => {
  let token = "";

  it("logs in with an account token, and refuses a wrong one with a one-line reason", async () => {
    const user = await createSignedInUser(web.url, "cli");
    const created = await webRequest(web.url, "POST", "/api/account/tokens", { cookie: user.cookie, body: { name: "laptop" } });
    expect(created.status, created.text).toBe(201);
    token = (created.json.token as { token: string }).token;

    const wrong = await cli("login", "--url", web.url, "--token", "pbt_AAAAAAAAAAAA_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
    expect(wrong.exitCode).toBe(1);
    expect(wrong.stderr.trim().split("\n")).toHaveLength(1);
    expect(wrong.stderr).toMatch(/^error: .*(invalid|revoked)/i);

    ok(await cli("login", "--url", web.url, "--token", token));
    const config = path.join(home, "picobase", "config.json");
    expect(fs.statSync(config).mode & 0o777).toBe(0o600);
  });

  it("creates and starts an instance, deploys the mood board, and the SDK sees its rules and hook", async () => {
    ok(await cli("instances", "create", "Mood board", "--subdomain", sub));
    ok(await cli("instances", "start", sub));
    const deployed = await cli("deploy", project, "--instance", sub);
    ok(deployed);
    expect(deployed.stdout).toMatch(/Deploy #1 is live/);

    await exerciseMoodboard({ url: gateway.url(sub), fetch: gateway.fetch });
    const page = await gateway.fetch(gateway.url(sub, "/"));
    expect(page.status).toBe(200);
    expect(await page.text()).toMatch(/<title>[^<]*Mood board/i);

    const list = await cli("deploys", "list", "--instance", sub, "--json");
    ok(list);
    expect((JSON.parse(list.stdout) as Array<{ number: number; status: string }>).map((d) => [d.number, d.status])).toEqual([[1, "live"]]);
  });

  it("rolls a deploy with a failing migration back: non-zero exit, a clear message, data and hooks intact", async () => {
    const pb = new PocketBase(gateway.url(sub));
    pb.autoCancellation(false);
    pb.beforeSend = (url, options) => ({ url, options: { ...options, fetch: gateway.fetch } });
    const email = `keeper-${Date.now()}@example.com`;
    await pb.collection("users").create({ email, password: "keeper-pass-1", passwordConfirm: "keeper-pass-1" });
    await pb.collection("users").authWithPassword(email, "keeper-pass-1");
    const [board] = await pb.collection("boards").getFullList();
    expect(board?.title).toBe("My First Board");

    fs.writeFileSync(
      path.join(project, "pb_migrations", "1800000000_add_mood.js"),
      `migrate((app) => { const boards = app.findCollectionByNameOrId("boards"); boards.fields.add(new Field({ type: "nope", name: "mood" })); app.save(boards); });\n`,
    );
    const failed = await cli("deploy", project, "--instance", sub);
    expect(failed.exitCode).toBe(1);
    expect(failed.stderr).toMatch(/^error: Deploy #2 failed/m);
    expect(failed.stderr).toMatch(/nope|field|migration/i); // PocketBase's own reason is passed on

    // The previous deploy and the data are intact: the user's board is there, the hook still runs.
    expect((await pb.collection("boards").getOne(board!.id)).title).toBe("My First Board");
    await exerciseMoodboard({ url: gateway.url(sub), fetch: gateway.fetch });
    const list = JSON.parse((await cli("deploys", "list", "--instance", sub, "--json")).stdout) as Array<{ number: number; status: string }>;
    expect(list.map((d) => [d.number, d.status])).toEqual([
      [2, "failed"],
      [1, "live"],
    ]);
    fs.rmSync(path.join(project, "pb_migrations", "1800000000_add_mood.js"));
  });

  it("sets secrets without ever printing them, shows logs, and manages keys", async () => {
    const set = await cli("secrets", "set", "MOOD_API_KEY=very-secret-value", "--instance", sub);
    ok(set);
    const listed = await cli("secrets", "list", "--instance", sub);
    ok(listed);
    expect(listed.stdout).toContain("MOOD_API_KEY");
    expect(`${set.stdout}${set.stderr}${listed.stdout}${listed.stderr}`).not.toContain("very-secret-value");
    const reserved = await cli("secrets", "set", "PATH=/tmp", "--instance", sub);
    expect(reserved.exitCode).toBe(1);
    expect(reserved.stderr).toMatch(/^error: .*PATH/m);

    const logs = await cli("logs", "--instance", sub, "--lines", "20");
    ok(logs);
    expect(logs.stdout.length).toBeGreaterThan(0);

    const key = await cli("keys", "create", "ci", "--instance", sub, "--json");
    ok(key);
    expect((JSON.parse(key.stdout) as { key: string }).key).toMatch(/^pbk_/);
    const open = await cli("open", "--instance", sub, "--json", "--no-browser");
    ok(open);
    expect((JSON.parse(open.stdout) as { url: string }).url).toContain(`${sub}.localhost`);
  });

  it("adds a custom domain, prints the DNS records to create, and lists it as JSON", async () => {
    const hostname = `${sub}.customer.test`;
    const added = await cli("domains", "add", hostname, "--instance", sub);
    ok(added);
    expect(added.stdout).toContain(`Added ${hostname} to ${sub}; it waits for its DNS records.`);
    expect(added.stdout).toMatch(new RegExp(`^CNAME\\s+${hostname.replace(/\./g, "\\.")}\\s+${sub}\\.localhost$`, "m"));
    expect(added.stdout).toMatch(/^TXT\s+_picobase\.\S+\s+picobase-verify=[0-9a-f]{32}$/m);
    expect(added.stdout).toMatch(/^Last check: The TXT record _picobase\./m);

    const list = await cli("domains", "list", "--instance", sub, "--json");
    ok(list);
    expect(JSON.parse(list.stdout)).toEqual([expect.objectContaining({ hostname, status: "pending", isPrimary: true })]);
    ok(await cli("domains", "remove", hostname, "--instance", sub));
  });

  it("shows backups, downloads the instance, and clones it as of a moment", async () => {
    const backups = await cli("backups", "--instance", sub, "--json");
    ok(backups);
    const overview = JSON.parse(backups.stdout) as { replication: { state: string }; snapshots: unknown[] };
    expect(overview.replication.state).toBe("replicating");
    expect(overview.snapshots.length).toBeGreaterThan(0);
    expect((await cli("backups", "--instance", sub)).stdout).toMatch(/Continuous backup: up to date/);

    const file = path.join(project, "download.tar.gz");
    const saved = await cli("download", "--instance", sub, "--output", file);
    ok(saved);
    expect(saved.stdout).toContain("pocketbase serve --dir pb_data");
    const listing = execaSync("tar", ["tzf", file]).stdout.split("\n");
    expect(listing).toEqual(expect.arrayContaining(["pb_data/data.db", "pb_hooks/", "pb_public/index.html"]));
    fs.rmSync(file);

    const clone = await cli("clone", "--instance", sub, "--to", "1s", "--name", "Moods copy", "--subdomain", `${sub}-copy`, "--json");
    ok(clone);
    expect(JSON.parse(clone.stdout)).toMatchObject({ subdomain: `${sub}-copy`, status: "running" });
    const bad = await cli("restore", "--instance", sub, "--to", "last week", "--yes");
    expect(bad.exitCode).toBe(2);
  });

  it("says when the dashboard cannot be reached", async () => {
    const result = await runCli(["instances", "list"], { env: { PICOBASE_URL: "http://127.0.0.1:9", PICOBASE_TOKEN: token } });
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toMatch(/^error: cannot reach the dashboard at http:\/\/127\.0\.0\.1:9/);
  });
});
