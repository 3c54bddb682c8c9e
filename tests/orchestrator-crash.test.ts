import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createGatewayClient, type GatewayClient } from "./support/gateway-client";
import { startOrchestrator, type OrchestratorHandle } from "./support/orchestrator";
import { isAlive, pocketbaseProcessesUnder } from "./support/processes";
import { expectPostsIntact, seedPosts, type Seeded } from "./support/tenant-data";

describe("crash recovery", () => {
  let orch: OrchestratorHandle;
  let client: GatewayClient;
  let id: string;
  let seeded: Seeded;
  const sub = "crashy";

  const pidOf = () => Number(fs.readFileSync(path.join(orch.tenantRoot(id), "meta/pocketbase.pid"), "utf8").trim());
  const signedIn = async () => {
    const pb = client.pocketBase(sub);
    const su = await orch.superuser(id);
    await pb.collection("_superusers").authWithPassword(su.email, su.password);
    return pb;
  };

  beforeAll(async () => {
    orch = await startOrchestrator({ env: { RECONCILE_INTERVAL_SECONDS: "1" } });
    client = createGatewayClient({ port: orch.gatewayPort });
    id = await orch.createInstance(sub);
    await orch.api("POST", `/v1/instances/${id}/start?wait=1`);
    seeded = await seedPosts(await signedIn());
  });
  afterAll(async () => {
    await client?.close();
    await orch?.dispose();
  });

  it("restarts a PocketBase child killed with SIGKILL, data intact", async () => {
    const before = pidOf();
    process.kill(before, "SIGKILL");
    await expect
      .poll(
        async () => {
          const res = await client.fetch(client.url(sub, "/api/health"));
          return res.status === 200 && isAlive(pidOf()) && pidOf() !== before;
        },
        { timeout: 30_000, interval: 200 },
      )
      .toBe(true);
    await expectPostsIntact(await signedIn(), seeded, client.fetch);
    const events = await orch.db.query.instanceEvents.findMany({ where: (e, { eq }) => eq(e.instanceId, id) });
    expect(events.map((e) => e.type)).toEqual(expect.arrayContaining(["crashed", "restarted"]));
  });

  it("recovers from a SIGKILL of the orchestrator: no orphans, instance running, data intact", async () => {
    await orch.kill("SIGKILL");
    await orch.restart();
    await expect.poll(async () => (await orch.api("GET", `/v1/instances/${id}`)).body.instance?.status, { timeout: 60_000, interval: 250 }).toBe("running");
    // The killed orchestrator's sandbox may still be tearing down for a moment; a real duplicate would stay.
    await expect.poll(() => pocketbaseProcessesUnder(orch.dataDir).length, { timeout: 10_000, interval: 200 }).toBe(1);
    expect((await client.fetch(client.url(sub, "/api/health"))).status).toBe(200);
    await expectPostsIntact(await signedIn(), seeded, client.fetch);
  });

  it("leaves no PocketBase process behind after a graceful shutdown", async () => {
    await orch.kill("SIGTERM");
    expect(pocketbaseProcessesUnder(orch.dataDir)).toEqual([]);
    const [row] = await orch.db.query.instances.findMany({ where: (i, { eq }) => eq(i.id, id) });
    expect(row).toMatchObject({ desiredState: "running", status: "stopped" });
    expect(row!.generation).toBeGreaterThanOrEqual(1);
  });
});

describe("a shutdown out of time for final uploads", () => {
  let orch: OrchestratorHandle;
  let client: GatewayClient;
  afterAll(async () => {
    await client?.close();
    await orch?.dispose();
  });

  it("stops the tenants it has no time to upload without one, and resumes them from the local copy at the next start", async () => {
    orch = await startOrchestrator({ env: { SHUTDOWN_UPLOAD_SECONDS: "0" } });
    client = createGatewayClient({ port: orch.gatewayPort });
    const sub = "late";
    const id = await orch.createInstance(sub);
    await orch.api("POST", `/v1/instances/${id}/start?wait=1`);
    const su = await orch.superuser(id);
    const pb = client.pocketBase(sub);
    await pb.collection("_superusers").authWithPassword(su.email, su.password);
    const seeded = await seedPosts(pb);

    await orch.kill("SIGTERM");
    expect(pocketbaseProcessesUnder(orch.dataDir)).toEqual([]);
    const [row] = await orch.db.query.instances.findMany({ where: (i, { eq }) => eq(i.id, id) });
    // No final upload (it would have recorded "stopped"): the status a crash leaves.
    expect(row).toMatchObject({ desiredState: "running", status: "running" });

    await orch.restart();
    await expect.poll(async () => (await orch.api("GET", `/v1/instances/${id}`)).body.instance?.status, { timeout: 60_000, interval: 250 }).toBe("running");
    const again = client.pocketBase(sub);
    await again.collection("_superusers").authWithPassword(su.email, su.password);
    await expectPostsIntact(again, seeded, client.fetch);
    // From this node's own copy, not a restore from the store.
    const events = await orch.db.query.instanceEvents.findMany({ where: (e, { and, eq }) => and(eq(e.instanceId, id), eq(e.type, "started")) });
    expect(events.at(-1)?.message).toMatch(/^Running \(local data/);
  });
});
