// Wake benchmark: a stopped instance with a ~10 MB data.db stored in the S3 server; time from the
// first request through the gateway to its 200, from the store (local copy deleted: restore +
// start + proxy) and from the local copy (start + proxy), with continuous replication on
// (Litestream) and off (snapshots only), in the same run.
// Baseline in the same run: bare `pocketbase serve` start-to-healthy on a local copy.
// Floor of a wake from the store, in the same run (after the platform's wakes, alternating with the
// baseline): this bare process downloads the same stored data.db with the platform's own transfer
// code (S3 GET, zstd, sha256, write), then starts bare PocketBase on it: no volume, sandbox, control
// DB or gateway, so no wake from the store that transfers its database this way can beat it.
// Targets: from the local copy p50 <= 1.5x the baseline, from the store p50 <= 3x.
// Usage: npx tsx bench/wake.ts [iterations=20]
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { execa } from "execa";
import getPort from "get-port";
import { createS3Storage } from "../orchestrator/storage/s3-storage";
import type { ObjectStorage } from "../orchestrator/storage/object-storage";
import { codecOfKey } from "../orchestrator/sync/codecs";
import { generationOfManifestKey, snapshotsPrefix } from "../orchestrator/sync/keys";
import { readManifest } from "../orchestrator/sync/manifest-store";
import { download } from "../orchestrator/sync/transfer";
import { createGatewayClient } from "../tests/support/gateway-client";
import { runningInstance, startOrchestrator } from "../tests/support/orchestrator";
import { startS3Server, type S3Server } from "../tests/support/s3-server";
import { tools } from "../tests/support/tools";
import { waitFor } from "../tests/support/wait";
import { summarize } from "./stats";

const iterations = Number(process.argv[2] ?? 20);

/** Wakes of a 10 MB instance from the store with `env`; returns the samples and a local copy of its pb_data. */
async function measureWake(s3: S3Server, env: Record<string, string>, sub: string): Promise<{ id: string; samples: number[]; local: number[]; copy: string }> {
  const orch = await startOrchestrator({ env: { ...s3.env, LOG_LEVEL: "warn", ...env } });
  const client = createGatewayClient({ port: orch.gatewayPort });
  try {
    const { id, pb } = await runningInstance(orch, client, sub);
    await pb.collections.create({ name: "blobs", type: "base", fields: [{ name: "body", type: "text", max: 200000 }] });
    for (let i = 0; i < 100; i++) await pb.collection("blobs").create({ body: randomBytes(75 * 1024).toString("base64") });
    await orch.api("POST", `/v1/instances/${id}/stop?wait=1`);
    const copy = fs.mkdtempSync(path.join(os.tmpdir(), "wake-baseline-"));
    fs.cpSync(path.join(orch.tenantDir(id), "pb_data"), copy, { recursive: true });
    const samples: number[] = [];
    const local: number[] = [];
    for (let i = 0; i < iterations * 2; i++) {
      const fromStore = i % 2 === 0; // alternating, so both see the same machine load
      if (fromStore) orch.wipeTenant(id);
      const t0 = performance.now();
      const res = await client.fetch(client.url(sub, "/api/health"));
      (fromStore ? samples : local).push(performance.now() - t0);
      if (res.status !== 200) throw new Error(`wake answered ${res.status}`);
      await orch.api("POST", `/v1/instances/${id}/stop?wait=1`);
    }
    return { id, samples, local, copy };
  } finally {
    await client.close();
    await orch.dispose();
  }
}

/** The stored data.db copy of `id`'s newest snapshot, as its manifest names it (a restore reads that key). */
async function latestDataKey(storage: ObjectStorage, id: string): Promise<string> {
  let newest = 0;
  for await (const { key } of storage.list(snapshotsPrefix(id))) newest = Math.max(newest, generationOfManifestKey(id, key) ?? 0);
  if (newest === 0) throw new Error(`no snapshot of ${id} in the store`);
  const entry = (await readManifest(storage, id, newest)).databases.find((d) => d.name === "data.db");
  if (!entry) throw new Error(`snapshot ${newest} of ${id} has no data.db`);
  return entry.key;
}

/**
 * Milliseconds from calling `prepare` (which readies `dir`) to bare PocketBase answering health on
 * it, and of them `prepare`'s. Health is polled every 10 ms (the platform reacts to PocketBase's
 * "Server started" line instead), which adds up to 10 ms to the baseline and the floor alike.
 */
async function bareStart(dir: string, prepare: () => Promise<unknown>): Promise<{ total: number; prepared: number }> {
  const port = await getPort();
  const t0 = performance.now();
  await prepare();
  const prepared = performance.now() - t0;
  const child = execa(tools.pocketbase, ["serve", "--http", `127.0.0.1:${port}`, "--dir", dir], { reject: false });
  try {
    await waitFor("bare health", async () => ((await fetch(`http://127.0.0.1:${port}/api/health`)).ok ? true : undefined), { intervalMs: 10 });
    return { total: performance.now() - t0, prepared };
  } finally {
    child.kill("SIGTERM");
    await child;
  }
}

const s3 = await startS3Server();
try {
  const off = await measureWake(s3, { REPLICATION: "off" }, "wake-snapshots");
  const on = await measureWake(s3, { REPLICATION: "on" }, "wake-replicated");
  console.log(
    `data.db: ${(fs.statSync(path.join(on.copy, "data.db")).size / 1e6).toFixed(1)} MB; stored in versitygw (S3); load ${os.loadavg()[0]?.toFixed(2)}`,
  );

  // Baseline: bare PocketBase on a local copy of the same data; alternating with the floor.
  const storage = createS3Storage(s3.storage);
  const dataKey = await latestDataKey(storage, on.id);
  const baseline: number[] = [];
  const floor: number[] = [];
  const floorDownload: number[] = [];
  for (let i = 0; i < iterations; i++) {
    baseline.push((await bareStart(on.copy, async () => undefined)).total);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "wake-floor-"));
    try {
      fs.cpSync(on.copy, dir, { recursive: true, filter: (src) => !path.basename(src).startsWith("data.db") }); // and its -wal/-shm
      const { total, prepared } = await bareStart(dir, () => download(storage, dataKey, path.join(dir, "data.db"), { codec: codecOfKey(dataKey) }));
      floor.push(total);
      floorDownload.push(prepared);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }

  console.log("");
  const b = summarize("baseline: bare pocketbase serve (local)", baseline);
  const f = summarize("floor: bare download + bare serve", floor);
  summarize("  of it the download (GET, zstd, sha256)", floorDownload);
  const s = summarize("wake from store, snapshots only", off.samples);
  const r = summarize("wake from store, replication on", on.samples);
  const sl = summarize("wake from local copy, snapshots only", off.local);
  const rl = summarize("wake from local copy, replication on", on.local);
  console.log(
    `ratio wake/baseline from the store: snapshots p50 ${(s.p50 / b.p50).toFixed(2)}x, replication p50 ${(r.p50 / b.p50).toFixed(2)}x (target <= 3x); ` +
      `floor (no platform) p50 ${(f.p50 / b.p50).toFixed(2)}x`,
  );
  console.log(
    `ratio wake/baseline from the local copy: snapshots p50 ${(sl.p50 / b.p50).toFixed(2)}x, replication p50 ${(rl.p50 / b.p50).toFixed(2)}x (target <= 1.5x)`,
  );
  console.log(`replication vs snapshots only: p50 ${(r.p50 / s.p50).toFixed(2)}x, p99 ${(r.p99 / s.p99).toFixed(2)}x (target: no slower, <= 1.1x)`);
  for (const dir of [off.copy, on.copy]) fs.rmSync(dir, { recursive: true, force: true });
} finally {
  await s3.dispose();
}
