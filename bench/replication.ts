// Replication benchmark (issue: continuous replication). Real PocketBase, real Litestream, real S3
// server (versitygw) behind a counting proxy on loopback. Prints:
//   1. object-store requests per minute for an idle running tenant (goal 0) and for one writing
//      10 rows/s, and the bytes it stores per day at that rate;
//   2. how auxiliary.db (PocketBase's request logs) changes under reads alone, the measurement
//      behind replicating only data.db continuously;
//   3. point-in-time restore of a ~100 MB tenant (Litestream's restore alone, the whole in-place
//      restore through the API, a clone), against copying the same file (same run);
//   4. CPU seconds per minute (orchestrator + Litestream + their SQLite children) for that tenant
//      writing 1 row/s: replication vs periodic full snapshots (REPLICATION=off, every 60 s).
// Usage: npx tsx bench/replication.ts [windowSeconds=60]
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { execa } from "execa";
import getPort from "get-port";
import type PocketBase from "pocketbase";
import { createGatewayClient, type GatewayClient } from "../tests/support/gateway-client";
import { runningInstance, startOrchestrator, type OrchestratorHandle } from "../tests/support/orchestrator";
import { litestreamProcessesUnder } from "../tests/support/processes";
import { startS3Server, type S3Server } from "../tests/support/s3-server";
import { tools } from "../tests/support/tools";

const windowSeconds = Number(process.argv[2] ?? 60);
/** Which parts to run (comma-separated, default all): 1 requests, 2 auxiliary.db, 3 restore, 4 CPU. */
const parts = new Set((process.argv[3] ?? "1,2,3,4").split(","));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const perMinute = (n: number) => (n * 60) / windowSeconds;
const ticksPerSecond = 100; // USER_HZ on Linux

/** A loopback proxy in front of the S3 server that counts requests by method and the bytes PUT. */
async function countingProxy(target: string) {
  const port = await getPort();
  const counts: Record<string, number> = {};
  const seen: Record<string, number> = {};
  let putBytes = 0;
  const upstream = new URL(target);
  const server = http.createServer((req, res) => {
    counts[req.method ?? "?"] = (counts[req.method ?? "?"] ?? 0) + 1;
    // What is asked, without tenant ids and file names: "GET ?list-type=2&prefix=…/litestream/0001/".
    const what = `${req.method} ${(req.url ?? "")
      .replace(/tenants(%2F|\/)[a-z0-9]+/g, "tenants/…")
      .replace(/[0-9a-f]{16}-[0-9a-f]{16}\.ltx/g, "<ltx>")
      .replace(/[0-9a-f]{64}/g, "<sha>")}`;
    seen[what] = (seen[what] ?? 0) + 1;
    if (req.method === "PUT") req.on("data", (c: Buffer) => (putBytes += c.length));
    const out = http.request({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    });
    out.on("error", () => res.destroy());
    req.pipe(out);
  });
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  return {
    endpoint: `http://127.0.0.1:${port}`,
    reset: () => {
      for (const k of Object.keys(counts)) delete counts[k];
      for (const k of Object.keys(seen)) delete seen[k];
      putBytes = 0;
    },
    requests: () => ({ ...seen }),
    read: () => ({ total: Object.values(counts).reduce((a, b) => a + b, 0), byMethod: { ...counts }, putBytes }),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** utime+stime+cutime+cstime of a process, in seconds (children it waited for count: SQLite snapshots, sandboxes). */
function cpuSeconds(pid: number): number {
  try {
    const fields = fs.readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
    return [11, 12, 13, 14].reduce((sum, i) => sum + Number(fields[i]), 0) / ticksPerSecond;
  } catch {
    return 0; // exited
  }
}

async function writeRows(pb: PocketBase, perSecond: number, seconds: number): Promise<void> {
  const end = Date.now() + seconds * 1000;
  for (let n = 0; Date.now() < end; n++) {
    const t0 = Date.now();
    await pb.collection("ticks").create({ n }, { requestKey: null });
    await sleep(Math.max(0, 1000 / perSecond - (Date.now() - t0)));
  }
}

async function fill100MB(pb: PocketBase): Promise<void> {
  await pb.collections.create({ name: "blobs", type: "base", fields: [{ name: "body", type: "text", max: 300000 }] });
  const body = () => randomBytes(150 * 1024).toString("base64"); // 200 KB of text per row
  for (let i = 0; i < 500; i++) await pb.collection("blobs").create({ body: body() }, { requestKey: null });
}

type Env = Record<string, string>;
async function withPlatform<T>(
  s3: S3Server,
  proxyEndpoint: string,
  env: Env,
  use: (orch: OrchestratorHandle, client: GatewayClient) => Promise<T>,
): Promise<T> {
  const orch = await startOrchestrator({ env: { ...s3.env, S3_ENDPOINT: proxyEndpoint, LOG_LEVEL: "warn", IDLE_TIMEOUT_MINUTES: "0", ...env } });
  const client = createGatewayClient({ port: orch.gatewayPort });
  try {
    return await use(orch, client);
  } finally {
    await client.close();
    await orch.dispose();
  }
}

const s3 = await startS3Server();
const proxy = await countingProxy(s3.endpoint);
try {
  console.log(
    `window: ${windowSeconds} s; load: ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(" ")} (1/5/15 min), ${os.cpus().length} cores`,
  );

  // 1 + 2: requests and bytes, idle and writing; auxiliary.db under reads.
  if (parts.has("1") || parts.has("2"))
    await withPlatform(s3, proxy.endpoint, {}, async (orch, client) => {
      const { pb } = await runningInstance(orch, client, "repl-requests");
      await pb.collections.create({ name: "ticks", type: "base", listRule: "", fields: [{ name: "n", type: "number" }] });
      await sleep(10_000); // first copies, compaction of the setup
      proxy.reset();
      await sleep(windowSeconds * 1000);
      const idle = proxy.read();
      console.log(`\n1. object-store requests/min, idle running tenant: ${perMinute(idle.total).toFixed(1)} ${JSON.stringify(idle.byMethod)} (goal 0)`);
      for (const [what, n] of Object.entries(proxy.requests())) console.log(`     ${String(n).padStart(4)}  ${what.slice(0, 150)}`);
      proxy.reset();
      await writeRows(pb, 10, windowSeconds);
      await sleep(2_000);
      const busy = proxy.read();
      const perDay = (busy.putBytes / windowSeconds) * 86_400;
      console.log(
        `   writing 10 rows/s: ${perMinute(busy.total).toFixed(1)} requests/min ${JSON.stringify(busy.byMethod)}; ${(busy.putBytes / 1024).toFixed(0)} KiB sent, ${(perDay / 1e6).toFixed(0)} MB/day at that rate (before compaction and retention)`,
      );

      await sleep(4_000);
      const logRows = async () => (await pb.logs.getList(1, 1, { requestKey: null })).totalItems;
      const logsBefore = await logRows();
      proxy.reset();
      const end = Date.now() + 10_000;
      let reads = 0;
      while (Date.now() < end) {
        // Anonymous, as an app's visitors read (PocketBase does not log its superusers' requests).
        const res = await client.fetch(client.url("repl-requests", "/api/collections/ticks/records?perPage=1"));
        if (res.status !== 200) throw new Error(`read answered ${res.status}`);
        await res.arrayBuffer();
        reads++;
        await sleep(100);
      }
      await sleep(4_000); // PocketBase writes its request logs in batches every 3 s
      const during = proxy.read();
      console.log(
        `2. ${reads} anonymous reads in 10 s wrote ${(await logRows()) - logsBefore} log rows into auxiliary.db (in ${Math.ceil(10 / 3)}+ transactions); object-store PUTs meanwhile, data.db replicated only: ${during.byMethod.PUT ?? 0}`,
      );
    });

  // 3: point-in-time restore of ~100 MB.
  if (parts.has("3"))
    await withPlatform(s3, proxy.endpoint, {}, async (orch, client) => {
      const sub = "repl-pitr";
      const { id, pb } = await runningInstance(orch, client, sub);
      await fill100MB(pb);
      await pb.collections.create({ name: "ticks", type: "base", fields: [{ name: "n", type: "number" }] });
      await pb.collection("ticks").create({ n: 1 });
      await sleep(3_000);
      const t = new Date();
      await sleep(1_500);
      await pb.collection("ticks").create({ n: 2 });
      await sleep(3_000);
      const dbFile = path.join(orch.tenantDir(id), "pb_data", "data.db");
      const size = fs.statSync(dbFile).size + fs.statSync(`${dbFile}-wal`).size;
      const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "pitr-bench-"));
      let t0 = performance.now();
      fs.copyFileSync(dbFile, path.join(scratch, "copy.db"));
      const copyMs = performance.now() - t0;
      const url = `s3://${s3.bucket}/tenants/${id}/litestream?endpoint=${encodeURIComponent(proxy.endpoint)}&region=${s3.region}&forcePathStyle=true`;
      t0 = performance.now();
      await execa(tools.litestream, ["restore", "-o", path.join(scratch, "pitr.db"), "-timestamp", t.toISOString(), url], {
        env: { PATH: process.env.PATH ?? "/usr/bin:/bin", AWS_ACCESS_KEY_ID: s3.accessKeyId, AWS_SECRET_ACCESS_KEY: s3.secretAccessKey },
        extendEnv: false,
      });
      const litestreamMs = performance.now() - t0;
      t0 = performance.now();
      const cloned = await orch.api("POST", `/v1/instances/${id}/clone`, { at: t.toISOString(), name: "PITR clone", subdomain: `${sub}-clone` });
      const cloneMs = performance.now() - t0;
      t0 = performance.now();
      const restored = await orch.api("POST", `/v1/instances/${id}/restore`, { at: t.toISOString() });
      const restoreMs = performance.now() - t0;
      if (cloned.status !== 201 || restored.status !== 200) throw new Error(`clone ${cloned.status}, restore ${restored.status}`);
      console.log(`\n3. point-in-time restore, data.db ${(size / 1e6).toFixed(0)} MB:`);
      console.log(`   baseline: copy of the file on local disk      ${copyMs.toFixed(0)} ms`);
      console.log(
        `   litestream restore -timestamp (from S3)       ${litestreamMs.toFixed(0)} ms (${(litestreamMs / copyMs).toFixed(1)}x the copy; target <= 3000 ms: ${litestreamMs <= 3000 ? "met" : "MISSED"})`,
      );
      console.log(`   clone via the API (restore + own superuser + first snapshot + start) ${cloneMs.toFixed(0)} ms`);
      console.log(`   restore in place via the API (stop + safety snapshot + restore + start) ${restoreMs.toFixed(0)} ms`);
      fs.rmSync(scratch, { recursive: true, force: true });
    });

  // 4: CPU per minute, replication vs periodic full snapshots.
  const cpu: Record<string, number> = {};
  for (const [label, env] of !parts.has("4")
    ? []
    : ([
        ["replication (Litestream, files every 5 s)", {}],
        ["periodic full snapshots (REPLICATION=off, every 60 s)", { REPLICATION: "off", SNAPSHOT_INTERVAL_SECONDS: "60" }],
      ] as const)) {
    await withPlatform(s3, proxy.endpoint, env, async (orch, client) => {
      const { pb } = await runningInstance(orch, client, "repl-cpu");
      await fill100MB(pb);
      await pb.collections.create({ name: "ticks", type: "base", fields: [{ name: "n", type: "number" }] });
      await sleep(10_000);
      const pids = () => [orch.pid ?? 0, ...litestreamProcessesUnder(orch.dataDir)].filter((p) => p > 0);
      const start = pids().reduce((sum, pid) => sum + cpuSeconds(pid), 0);
      await writeRows(pb, 1, windowSeconds);
      cpu[label] = pids().reduce((sum, pid) => sum + cpuSeconds(pid), 0) - start;
    });
  }
  if (parts.has("4")) console.log(`\n4. CPU seconds per minute, ~100 MB tenant writing 1 row/s (orchestrator + Litestream + their children):`);
  for (const [label, seconds] of Object.entries(cpu)) console.log(`   ${label.padEnd(55)} ${perMinute(seconds).toFixed(2)} s/min`);
  const [repl, full] = Object.values(cpu);
  if (repl !== undefined && full !== undefined) console.log(`   ratio replication/full snapshots: ${(repl / full).toFixed(2)}x`);
} finally {
  await proxy.close();
  await s3.dispose();
}
