import fs from "node:fs";
import path from "node:path";
import { ListObjectsV2Command } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createGatewayClient, type GatewayClient } from "./support/gateway-client";
import { runningInstance, startOrchestrator, type OrchestratorHandle } from "./support/orchestrator";
import { startS3Server, type S3Server } from "./support/s3-server";
import { startSqld } from "./support/sqld";
import { expectPostsIntact, seedPosts } from "./support/tenant-data";

type Variant = { name: string; s3: boolean; sqld: boolean };

const variants: Variant[] = [
  { name: "local-directory storage, file: control DB", s3: false, sqld: false },
  { name: "S3 storage (versitygw), sqld control DB", s3: true, sqld: true },
];

function listLocalObjects(root: string, prefix: string): string[] {
  const dir = path.join(root, prefix);
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.join(e.parentPath, e.name));
}

describe.each(variants)("instance lifecycle: $name", (variant) => {
  let s3: S3Server | undefined;
  let sqld: { url: string; dispose: () => Promise<void> } | undefined;
  let orch: OrchestratorHandle;
  let client: GatewayClient;

  beforeAll(async () => {
    s3 = variant.s3 ? await startS3Server() : undefined;
    sqld = variant.sqld ? await startSqld() : undefined;
    orch = await startOrchestrator({ env: { ...s3?.env, ...(sqld ? { TURSO_DATABASE_URL: sqld.url } : {}) } });
    client = createGatewayClient({ port: orch.gatewayPort });
  });
  afterAll(async () => {
    await client?.close();
    await orch?.dispose();
    await s3?.dispose();
    await sqld?.dispose();
  });

  async function storedKeys(id: string): Promise<string[]> {
    const prefix = `tenants/${id}/`;
    if (!s3) return listLocalObjects(path.join(orch.dataDir, "storage"), prefix);
    const res = await s3.client().send(new ListObjectsV2Command({ Bucket: s3.bucket, Prefix: prefix }));
    return (res.Contents ?? []).map((o) => o.Key ?? "");
  }

  it("keeps records and files across stop, loss of the local copy, and start", async () => {
    const sub = variant.s3 ? "s3-blog" : "local-blog";
    const id = await orch.createInstance(sub);
    const started = await orch.api("POST", `/v1/instances/${id}/start?wait=1`);
    expect(started.status).toBe(200);
    expect(started.body.instance).toMatchObject({ status: "running", desiredState: "running" });

    const health = await client.fetch(client.url(sub, "/api/health"));
    expect(health.status).toBe(200);

    const su = await orch.superuser(id);
    const pb = client.pocketBase(sub);
    await pb.collection("_superusers").authWithPassword(su.email, su.password);
    const seeded = await seedPosts(pb);

    const stopped = await orch.api("POST", `/v1/instances/${id}/stop?wait=1`);
    expect(stopped.body.instance).toMatchObject({ status: "stopped", desiredState: "stopped" });
    expect(stopped.body.instance!.generation).toBeGreaterThanOrEqual(1);
    const keys = await storedKeys(id);
    expect(keys.some((k) => k.endsWith("manifest.json"))).toBe(true);
    expect(keys.some((k) => k.endsWith("data.db.zst"))).toBe(true);

    orch.wipeTenant(id);
    const again = await orch.api("POST", `/v1/instances/${id}/start?wait=1`);
    expect(again.body.instance).toMatchObject({ status: "running" });
    await pb.collection("_superusers").authWithPassword(su.email, su.password);
    await expectPostsIntact(pb, seeded, client.fetch);

    const events = await orch.db.query.instanceEvents.findMany({ where: (e, { eq }) => eq(e.instanceId, id) });
    expect(events.map((e) => e.type)).toEqual(expect.arrayContaining(["starting", "started", "stopping", "stopped"]));

    const deleted = await orch.api("DELETE", `/v1/instances/${id}`);
    expect(deleted.status).toBe(204);
    expect(await storedKeys(id)).toEqual([]);
    expect(fs.existsSync(orch.tenantRoot(id))).toBe(false);
    expect((await client.fetch(client.url(sub, "/api/health"))).status).toBe(404);
  });

  it("receives realtime create, update and delete events through the gateway", async () => {
    const sub = variant.s3 ? "s3-live" : "local-live";
    const { pb } = await runningInstance(orch, client, sub);
    await pb.collections.create({ name: "notes", type: "base", listRule: "", viewRule: "", fields: [{ name: "text", type: "text" }] });

    const restore = client.installEventSource();
    const seen: string[] = [];
    try {
      const unsubscribe = await pb.collection("notes").subscribe("*", (e) => seen.push(`${e.action}:${e.record.text}`));
      const rec = await pb.collection("notes").create({ text: "a" });
      await pb.collection("notes").update(rec.id, { text: "b" });
      await pb.collection("notes").delete(rec.id);
      await expect.poll(() => seen, { timeout: 10_000 }).toEqual(["create:a", "update:b", "delete:b"]);
      await unsubscribe();
    } finally {
      restore();
    }
  });
});
