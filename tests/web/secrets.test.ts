import { randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createGatewayClient, type GatewayClient } from "../support/gateway-client";
import { waitFor } from "../support/wait";
import { createSignedInUser, startWebPlatform, webRequest, type RequestOptions, type WebPlatform, type WebResponse } from "../support/web";

/**
 * Instance secrets end to end: set through the platform API, read by a real tenant hook with
 * `$os.getenv` (in the sandbox when run as root), and nowhere else: not in any API response, the
 * event stream, the dashboard page, the web, orchestrator or tenant logs, a command line, or the
 * control DB in plain text.
 */
const value = (label: string) => `${label}-${randomBytes(12).toString("hex")}`;
const first = value("first");
const other = value("other");
const second = value("second");
const values = [first, other, second];

/** Shows what the tenant's PocketBase sees in its environment. */
const ENV_HOOK = `routerAdd("GET", "/x/env", (e) => e.json(200, {
  my: $os.getenv("MY_SECRET"),
  other: $os.getenv("OTHER_SECRET"),
  path: $os.getenv("PATH"),
  memory: $os.getenv("GOMEMLIMIT"),
}));
`;

type HookEnv = { my: string; other: string; path: string; memory: string };

describe("instance secrets", () => {
  let web: WebPlatform;
  let client: GatewayClient;
  let user: { cookie: string };
  let id: string;
  const sub = `sec-${Date.now().toString(36)}`;
  /** Every platform API answer the test saw, checked for values at the end. */
  const seen: string[] = [];
  const call = async (method: string, route: string, opts: RequestOptions = {}): Promise<WebResponse> => {
    const res = await webRequest(web.url, method, route, { cookie: user.cookie, ...opts });
    seen.push(`${method} ${route} ${res.status} ${res.text}`);
    return res;
  };
  const hookEnv = async (): Promise<HookEnv> => {
    const res = await client.fetch(client.url(sub, "/x/env"));
    if (res.status !== 200) throw new Error(`hook answered ${res.status}: ${await res.text()}`);
    return (await res.json()) as HookEnv;
  };
  const instance = async () => (await call("GET", `/api/instances/${id}`)).json.instance as { status: string; lastStartedAt: string | null };

  beforeAll(async () => {
    web = await startWebPlatform({ orchestratorEnv: { IDLE_TIMEOUT_MINUTES: "0" } });
    client = createGatewayClient({ port: web.orchestrator.gatewayPort });
    user = await createSignedInUser(web.url, "secrets");
    const created = await call("POST", "/api/instances", { body: { name: "Secrets", subdomain: sub } });
    expect(created.status, created.text).toBe(201);
    id = (created.json.instance as { id: string }).id;
    // The first start creates the tenant's folders (on its volume); hooks are read-only inside the
    // sandbox, so the hook is written on the host side while the instance is stopped.
    expect((await call("POST", `/api/instances/${id}/start?wait=1`)).status).toBe(200);
    expect((await call("POST", `/api/instances/${id}/stop?wait=1`)).status).toBe(200);
    fs.writeFileSync(path.join(web.orchestrator.tenantDir(id), "pb_hooks", "env.pb.js"), ENV_HOOK);
  });

  afterAll(async () => {
    await client?.close();
    await web?.dispose();
  });

  it("stores secrets of a stopped instance without restarting it, listing names only", async () => {
    const res = await call("PATCH", `/api/instances/${id}/secrets`, { body: { set: { MY_SECRET: first, OTHER_SECRET: other } } });
    expect(res.status, res.text).toBe(200);
    expect(res.json).toEqual({
      secrets: [
        { name: "MY_SECRET", updatedAt: expect.any(String) },
        { name: "OTHER_SECRET", updatedAt: expect.any(String) },
      ],
      restarted: false,
    });
    expect((await instance()).status).toBe("stopped");
  });

  it("passes them to the tenant's PocketBase, under the platform's own variables", async () => {
    expect((await call("POST", `/api/instances/${id}/start?wait=1`)).status).toBe(200);
    const env = await hookEnv();
    expect(env).toMatchObject({ my: first, other, path: "/usr/local/bin:/usr/bin:/bin" });
    expect(env.memory).not.toBe("");
  });

  it("puts no value on any command line of this host", () => {
    const cmdlines = fs
      .readdirSync("/proc")
      .filter((p) => /^\d+$/.test(p))
      .map((pid) => {
        try {
          return fs.readFileSync(`/proc/${pid}/cmdline`, "utf8");
        } catch {
          return ""; // exited meanwhile
        }
      });
    for (const v of values) expect(cmdlines.some((c) => c.includes(v))).toBe(false);
  });

  it("restarts a running instance when a secret changes, and the hook sees the new value (?wait=1)", async () => {
    const before = (await instance()).lastStartedAt;
    const res = await call("PATCH", `/api/instances/${id}/secrets?wait=1`, { body: { set: { MY_SECRET: second } } });
    expect(res.status, res.text).toBe(200);
    expect(res.json.restarted).toBe(true);
    const after = await instance();
    expect(after.status).toBe("running");
    expect(after.lastStartedAt).not.toBe(before);
    expect(await hookEnv()).toMatchObject({ my: second, other });
  });

  it("restarts in the background without ?wait, and an unset secret is gone", async () => {
    const res = await call("PATCH", `/api/instances/${id}/secrets`, { body: { unset: ["OTHER_SECRET"] } });
    expect(res.status, res.text).toBe(200);
    expect(res.json).toEqual({ secrets: [{ name: "MY_SECRET", updatedAt: expect.any(String) }], restarted: true });
    const env = await waitFor(
      "the restarted instance without OTHER_SECRET",
      async () => {
        const seenEnv = await hookEnv().catch(() => undefined);
        return seenEnv?.other === "" ? seenEnv : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 250 },
    );
    expect(env.my).toBe(second);
  });

  it("does not restart for a change that changes nothing", async () => {
    await waitFor("running", async () => ((await instance()).status === "running" ? true : undefined), { timeoutMs: 30_000 });
    const res = await call("PATCH", `/api/instances/${id}/secrets`, { body: { unset: ["NEVER_SET"] } });
    expect(res.json.restarted).toBe(false);
  });

  it.each([
    ["a reserved name", { set: { PATH: "/evil", GOOD_ONE: "x" } }],
    ["a Go runtime setting", { set: { GOMEMLIMIT: "1TiB" } }],
    ["a loader variable", { set: { LD_PRELOAD: "/pb/pb_data/evil.so" } }],
    ["a platform prefix", { set: { PB_ANYTHING: "x", PICOBASE_X: "y" } }],
    ["a lower-case name", { set: { my_secret: "x" } }],
    ["a name starting with a digit", { set: { "1ST": "x" } }],
    ["a value over 4 KB", { set: { BIG: "x".repeat(4097) } }],
    ["an empty value", { set: { EMPTY: "" } }],
    ["more than 64 secrets", { set: Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`MANY_${i}`, "x"])) }],
    ["an invalid name to unset", { unset: ["not a name"] }],
  ])("refuses %s with 422, changing nothing", async (_what, body) => {
    const before = await call("GET", `/api/instances/${id}/secrets`);
    const startedBefore = (await instance()).lastStartedAt;
    const res = await call("PATCH", `/api/instances/${id}/secrets`, { body });
    expect(res.status, res.text).toBe(422);
    expect((res.json.error as { code: string }).code).toBe("unprocessable");
    expect((await call("GET", `/api/instances/${id}/secrets`)).json).toEqual(before.json);
    expect((await instance()).lastStartedAt).toBe(startedBefore);
  });

  it("shows no value in any API answer, the event stream, the dashboard page, or a log", async () => {
    const controller = new AbortController();
    const stream = await fetch(`${web.url}/api/instances/events`, { headers: { cookie: user.cookie }, signal: controller.signal });
    let events = "";
    const reading = (async () => {
      for await (const chunk of stream.body as unknown as AsyncIterable<Uint8Array>) events += Buffer.from(chunk).toString();
    })().catch(() => undefined); // ends with the abort below
    await waitFor("stream ready", () => (events.includes("event: ready") ? true : undefined));
    // One more change while the stream watches: the restart's events go by.
    expect((await call("PATCH", `/api/instances/${id}/secrets?wait=1`, { body: { set: { MY_SECRET: first } } })).json.restarted).toBe(true);
    await waitFor("the restart in the stream", () => (events.includes('"type":"started"') ? true : undefined), { timeoutMs: 30_000 });
    controller.abort();
    await reading;

    await call("GET", `/api/instances/${id}/secrets`);
    await call("GET", "/api/instances");
    await call("GET", `/api/instances/${id}/logs?lines=2000`);
    await call("GET", `/dashboard/instances/${id}`);
    const files = [web.logFile, web.orchestrator.logFile, path.join(web.orchestrator.tenantRoot(id), "meta", "pocketbase.log")];
    const dbFiles = fs
      .readdirSync(web.orchestrator.dataDir)
      .filter((f) => f.startsWith("control.db"))
      .map((f) => path.join(web.orchestrator.dataDir, f));
    const haystacks: Array<[string, string]> = [
      ["API answers", seen.join("\n")],
      ["event stream", events],
      ...[...files, ...dbFiles].map((f): [string, string] => [f, fs.readFileSync(f, "latin1")]),
    ];
    expect(seen.length).toBeGreaterThan(20);
    for (const [where, text] of haystacks) {
      for (const v of values) expect(text.includes(v), `${v.split("-")[0]} value in ${where}`).toBe(false);
    }
  });
});
