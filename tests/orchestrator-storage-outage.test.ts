import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createGatewayClient, type GatewayClient } from "./support/gateway-client";
import { runningInstance, startOrchestrator, type OrchestratorHandle } from "./support/orchestrator";
import { startS3Server, type S3Server } from "./support/s3-server";
import { expectPostsIntact, seedPosts } from "./support/tenant-data";

describe("object storage outage during a stop", () => {
  let s3: S3Server;
  let orch: OrchestratorHandle;
  let client: GatewayClient;

  beforeAll(async () => {
    s3 = await startS3Server();
    orch = await startOrchestrator({ env: { ...s3.env, RECONCILE_INTERVAL_SECONDS: "1" } });
    client = createGatewayClient({ port: orch.gatewayPort });
  });
  afterAll(async () => {
    await client?.close();
    await orch?.dispose();
    await s3?.dispose();
  });

  it("keeps local data, shows sync_failed, and completes the upload once storage is back", async () => {
    const sub = "outage";
    const { id, su, pb } = await runningInstance(orch, client, sub);
    const seeded = await seedPosts(pb);

    await s3.stop();
    const stopped = await orch.api("POST", `/v1/instances/${id}/stop?wait=1`);
    expect(stopped.body.instance).toMatchObject({ status: "sync_failed", generation: 0 });
    expect(stopped.body.instance!.statusReason).toMatch(/upload/i);
    expect(fs.existsSync(path.join(orch.tenantDir(id), "pb_data/data.db"))).toBe(true);

    await s3.restart();
    await expect.poll(async () => (await orch.api("GET", `/v1/instances/${id}`)).body.instance?.status, { timeout: 60_000, interval: 500 }).toBe("stopped");
    const after = await orch.api("GET", `/v1/instances/${id}`);
    expect(after.body.instance!.generation).toBeGreaterThanOrEqual(1);

    orch.wipeTenant(id);
    await orch.api("POST", `/v1/instances/${id}/start?wait=1`);
    await pb.collection("_superusers").authWithPassword(su.email, su.password);
    await expectPostsIntact(pb, seeded, client.fetch);
  });
});
