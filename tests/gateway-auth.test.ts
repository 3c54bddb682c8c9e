import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateApiKey } from "../lib/api-keys";
import { apiKeys } from "../lib/db/schema";
import { createGatewayClient, type GatewayClient } from "./support/gateway-client";
import { startOrchestrator, type OrchestratorHandle } from "./support/orchestrator";

// Instance API keys and "Open admin" single sign-on at the gateway, against a real orchestrator.
describe("gateway authentication", () => {
  let orch: OrchestratorHandle;
  let client: GatewayClient;
  let id: string;
  let otherId: string;
  const sub = "keyed";

  async function issueKey(instanceId: string) {
    const k = generateApiKey();
    await orch.db.insert(apiKeys).values({ id: k.id, instanceId, name: "test", keyHash: k.keyHash });
    return k;
  }
  const get = (route: string, authorization?: string) => client.fetch(client.url(sub, route), { headers: authorization ? { authorization } : {} });

  beforeAll(async () => {
    orch = await startOrchestrator();
    client = createGatewayClient({ port: orch.gatewayPort });
    id = await orch.createInstance(sub);
    otherId = await orch.createInstance("other-keyed");
    // A tenant hook that shows what reaches PocketBase.
    await orch.api("POST", `/v1/instances/${id}/start?wait=1`);
    await orch.api("POST", `/v1/instances/${id}/stop?wait=1`);
    fs.writeFileSync(
      path.join(orch.tenantDir(id), "pb_hooks/echo.pb.js"),
      `routerAdd("GET", "/echo-auth", (e) => e.json(200, { auth: e.request.header.get("Authorization") }));\n`,
    );
    await orch.api("POST", `/v1/instances/${id}/start?wait=1`);
  });
  afterAll(async () => {
    await client?.close();
    await orch?.dispose();
  });

  it("runs a request carrying a valid key with superuser authority, in both header forms", async () => {
    const { key } = await issueKey(id);
    expect((await get("/api/collections")).status).toBe(401);
    expect((await get("/api/collections", `Bearer ${key}`)).status).toBe(200);
    const pb = client.pocketBase(sub);
    pb.authStore.save(key); // the SDK sends its token without a scheme
    await pb.collections.create({ name: "via_key", type: "base", fields: [{ name: "x", type: "text" }] });
    expect((await pb.collections.getOne("via_key")).name).toBe("via_key");
  });

  it("never forwards the key itself to PocketBase", async () => {
    const { key } = await issueKey(id);
    const res = await get("/echo-auth", `Bearer ${key}`);
    const { auth } = (await res.json()) as { auth: string };
    expect(auth).not.toContain("pbk_");
    expect(auth.split(".")).toHaveLength(3); // a JWT
  });

  it.each([
    ["a key of another instance", async () => `Bearer ${(await issueKey(otherId)).key}`],
    ["a made-up key", async () => `Bearer pbk_AAAAAAAAAAAA_${"B".repeat(43)}`],
    ["a malformed key", async () => "Bearer pbk_nope"],
  ])("refuses %s with 401", async (_name, header) => {
    const res = await get("/api/collections", await header());
    expect(res.status).toBe(401);
    expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(/API key/);
  });

  it("refuses a revoked key within seconds", async () => {
    const k = await issueKey(id);
    expect((await get("/api/collections", `Bearer ${k.key}`)).status).toBe(200);
    await orch.db.update(apiKeys).set({ revokedAt: new Date() }).where(eq(apiKeys.id, k.id));
    await expect.poll(async () => (await get("/api/collections", `Bearer ${k.key}`)).status, { timeout: 5_000, interval: 200 }).toBe(401);
  });

  // Issue 6, hole 12: a key holder minted a 10-year superuser token that outlived the key's revocation.
  it("refuses impersonation with a key (403), so a revoked key leaves no token of its own behind", async () => {
    const k = await issueKey(id);
    const superusers = (await (await get("/api/collections/_superusers/records", `Bearer ${k.key}`)).json()) as { items: Array<{ id: string }> };
    const target = superusers.items[0]!.id;
    for (const collection of ["_superusers", "users"]) {
      const res = await client.fetch(client.url(sub, `/api/collections/${collection}/impersonate/${target}`), {
        method: "POST",
        headers: { authorization: `Bearer ${k.key}`, "content-type": "application/json" },
        body: JSON.stringify({ duration: 315_360_000 }),
      });
      expect(res.status).toBe(403);
      expect(((await res.json()) as { error: { code: string; message: string } }).error).toMatchObject({
        code: "forbidden",
        message: expect.stringMatching(/impersonate/),
      });
    }
    // The same request with an absolute-form target (which http-proxy forwards as its path) is refused too.
    const absolute = await rawRequest(orch.gatewayPort, [
      `POST http://${sub}.localhost:${orch.gatewayPort}/api/collections/users/impersonate/${target} HTTP/1.1`,
      `Host: ${sub}.localhost:${orch.gatewayPort}`,
      `Authorization: Bearer ${k.key}`,
      "Content-Type: application/json",
      "Content-Length: 2",
      "Connection: close",
      "",
      "{}",
    ]);
    expect(absolute).toMatch(/^HTTP\/1\.1 403/);
    await orch.db.update(apiKeys).set({ revokedAt: new Date() }).where(eq(apiKeys.id, k.id));
    await expect.poll(async () => (await get("/api/collections", `Bearer ${k.key}`)).status, { timeout: 5_000, interval: 200 }).toBe(401);
  });

  it("signs the browser into the admin UI with a one-time code on the tenant's origin", async () => {
    const res = await orch.api("POST", `/v1/instances/${id}/sso`);
    expect(res.status).toBe(200);
    const { url } = res.body as unknown as { url: string };
    expect(url).toMatch(new RegExp(`^http://${sub}\\.localhost:${orch.gatewayPort}/_picobase/sso\\?code=`));
    const page = await client.fetch(url);
    expect(page.status).toBe(200);
    const html = await page.text();
    const stored = JSON.parse(JSON.parse(/setItem\(key, (".*?")\);/.exec(html)![1]!)) as { token: string; record: { collectionName: string } };
    expect(stored.record.collectionName).toBe("_superusers");
    expect((await get("/api/collections", stored.token)).status).toBe(200);
    expect((await client.fetch(url)).status).toBe(401); // one time only
    expect((await orch.api("POST", "/v1/instances/nope/sso")).status).toBe(404);
  });

  it("repairs the platform superuser when the tenant changed its password", async () => {
    const su = await orch.superuser(id);
    const pb = client.pocketBase(sub);
    await pb.collection("_superusers").authWithPassword(su.email, su.password);
    const changed = "changed-by-the-tenant-123";
    await pb.collection("_superusers").update(pb.authStore.record!.id, { password: changed, passwordConfirm: changed });
    const res = await orch.api("POST", `/v1/instances/${id}/sso`);
    const page = await client.fetch((res.body as unknown as { url: string }).url);
    expect(page.status).toBe(200);
    await pb.collection("_superusers").authWithPassword(su.email, su.password); // the platform password works again
    // Keys keep working: a token PocketBase refuses is dropped and minted anew.
    const { key } = await issueKey(id);
    await expect.poll(async () => (await get("/api/collections", `Bearer ${key}`)).status, { timeout: 5_000, interval: 100 }).toBe(200);
  });

  it("records when a key was last used (batched, flushed at shutdown)", async () => {
    const k = await issueKey(id);
    expect((await get("/api/collections", `Bearer ${k.key}`)).status).toBe(200);
    await orch.kill("SIGTERM");
    const [row] = await orch.db.select().from(apiKeys).where(eq(apiKeys.id, k.id));
    expect(row?.lastUsedAt).toBeInstanceOf(Date);
  });
});

/** Sends raw request lines to 127.0.0.1:`port` and resolves with the whole answer. */
function rawRequest(port: number, lines: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, "127.0.0.1", () => socket.end(lines.join("\r\n")));
    let answer = "";
    socket.setEncoding("utf8");
    socket.on("data", (chunk: string) => (answer += chunk));
    socket.on("end", () => resolve(answer));
    socket.on("error", reject);
  });
}
