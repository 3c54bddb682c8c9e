import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createGatewayClient, type GatewayClient } from "./support/gateway-client";
import { startOrchestrator, type OrchestratorHandle } from "./support/orchestrator";

describe("wake on request and idle stop", () => {
  let orch: OrchestratorHandle;
  let client: GatewayClient;

  beforeAll(async () => {
    // 0.1 minute = 6 s idle timeout, checked every 1.5 s.
    orch = await startOrchestrator({ env: { IDLE_TIMEOUT_MINUTES: "0.1" } });
    client = createGatewayClient({ port: orch.gatewayPort });
  });
  afterAll(async () => {
    await client?.close();
    await orch?.dispose();
  });

  const startsOf = async (id: string) =>
    (await orch.db.query.instanceEvents.findMany({ where: (e, { eq }) => eq(e.instanceId, id) })).filter((e) => e.type === "starting").length;

  it("20 concurrent requests to a stopped instance cause exactly one start and all succeed", async () => {
    const sub = "sleepy";
    const id = await orch.createInstance(sub);
    expect((await orch.api("GET", `/v1/instances/${id}`)).body.instance?.status).toBe("stopped");
    const responses = await Promise.all(Array.from({ length: 20 }, () => client.fetch(client.url(sub, "/api/health")).then((r) => r.status)));
    expect(responses).toEqual(Array(20).fill(200));
    expect(await startsOf(id)).toBe(1);
    expect((await orch.api("GET", `/v1/instances/${id}`)).body.instance).toMatchObject({ status: "running", desiredState: "running" });
  });

  it("stops an idle instance by itself and wakes it on the next request", async () => {
    const sub = "dozy";
    const id = await orch.createInstance(sub);
    await orch.api("POST", `/v1/instances/${id}/start?wait=1`);
    await expect.poll(async () => (await orch.api("GET", `/v1/instances/${id}`)).body.instance?.status, { timeout: 30_000, interval: 500 }).toBe("stopped");
    expect((await orch.api("GET", `/v1/instances/${id}`)).body.instance?.desiredState).toBe("stopped");
    expect((await client.fetch(client.url(sub, "/api/health"))).status).toBe(200);
    expect((await orch.api("GET", `/v1/instances/${id}`)).body.instance?.status).toBe("running");
  });

  it("tells a request only that the start failed; why (PocketBase's last lines) is for the owner", async () => {
    const sub = "leaky";
    const id = await orch.createInstance(sub);
    await orch.api("POST", `/v1/instances/${id}/start?wait=1`);
    await orch.api("POST", `/v1/instances/${id}/stop?wait=1`);
    // Hand-managed code whose hook prints something private, then breaks the start.
    const hook = path.join(orch.tenantRoot(id), "vol", "pb_hooks", "broken.pb.js");
    fs.writeFileSync(hook, `console.log("PRIVATE-TENANT-LINE token=abc123"); throw new Error("PRIVATE-TENANT-ERROR");\n`, { mode: 0o644 });
    const res = await client.fetch(client.url(sub, "/api/health"));
    const body = await res.text();
    expect(res.status, body).toBe(503);
    expect(JSON.parse(body)).toMatchObject({ error: { code: "unavailable", message: `Instance "${sub}" could not be started.` } });
    expect(body).not.toMatch(/PRIVATE-TENANT|last log lines|\/tenants\//);
    const instance = (await orch.api("GET", `/v1/instances/${id}`)).body.instance;
    expect(instance).toMatchObject({ status: "failed", statusReason: expect.stringContaining("PRIVATE-TENANT") });
    fs.rmSync(hook);
  });

  it("answers 404 for an unknown subdomain without starting anything", async () => {
    const res = await client.fetch(client.url("nobody-here", "/api/health"));
    expect(res.status).toBe(404);
  });
});
