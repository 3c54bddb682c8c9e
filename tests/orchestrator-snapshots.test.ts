import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createGatewayClient, type GatewayClient } from "./support/gateway-client";
import { runningInstance, startOrchestrator, type OrchestratorHandle } from "./support/orchestrator";
import { pocketbaseProcessesUnder } from "./support/processes";
import { startS3Server, type S3Server } from "./support/s3-server";
import { expectPostsIntact, seedPosts } from "./support/tenant-data";

// A running instance is snapshotted periodically, so losing the whole host (orchestrator,
// PocketBase and the local disk) loses at most one snapshot interval of writes.
describe("periodic snapshots", () => {
  let s3: S3Server;
  let orch: OrchestratorHandle;
  let client: GatewayClient;

  beforeAll(async () => {
    s3 = await startS3Server();
    orch = await startOrchestrator({ env: { ...s3.env, SNAPSHOT_INTERVAL_SECONDS: "1", RECONCILE_INTERVAL_SECONDS: "1" } });
    client = createGatewayClient({ port: orch.gatewayPort });
  });
  afterAll(async () => {
    await client?.close();
    await orch?.dispose();
    await s3?.dispose();
  });

  it("uploads changes while running and restores them after the host is lost", async () => {
    const sub = "snappy";
    const { id, su, pb } = await runningInstance(orch, client, sub);
    const seeded = await seedPosts(pb);
    const generationNow = async () => (await orch.api("GET", `/v1/instances/${id}`)).body.instance?.generation ?? 0;
    const afterWrites = await generationNow();
    await expect.poll(generationNow, { timeout: 20_000, interval: 250 }).toBeGreaterThan(afterWrites);
    const [row] = await orch.db.query.instances.findMany({ where: (i, { eq }) => eq(i.id, id) });
    expect(row?.status).toBe("running");

    // Nothing changes: no new generation every second (one more is allowed for PocketBase's own
    // deferred writes, such as a WAL checkpoint right after the last snapshot).
    const settled = await generationNow();
    await new Promise((r) => setTimeout(r, 3_000));
    expect(await generationNow()).toBeLessThanOrEqual(settled + 1);

    // Lose the host: everything killed at once, local disk gone.
    await orch.kill("SIGKILL");
    for (const pid of pocketbaseProcessesUnder(orch.dataDir)) process.kill(pid, "SIGKILL");
    orch.wipeTenant(id);
    await orch.restart();
    await expect.poll(async () => (await orch.api("GET", `/v1/instances/${id}`)).body.instance?.status, { timeout: 60_000, interval: 250 }).toBe("running");
    await pb.collection("_superusers").authWithPassword(su.email, su.password);
    await expectPostsIntact(pb, seeded, client.fetch);
  });
});
