// Simultaneous wakes: N stopped instances, each with its data stored in the S3 server, all woken by
// one request each through the gateway at the same moment. Baselines in the same run: one wake
// alone (the median of a few), and the floor: N bare `pocketbase serve` processes started at once
// on copies of one tenant's data (no platform at all), each polled until healthy.
// Target: every request answers 200; p99 <= 10x the single wake.
// Runs with the platform as configured on this host (sandboxed as root, replication on).
// Usage: npx tsx bench/wakes.ts [--count=100] [--concurrency=4] [--from=local|store] [--singles=5] [--replication=on|off]
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { execa } from "execa";
import getPort from "get-port";
import pLimit from "p-limit";
import { createGatewayClient } from "../tests/support/gateway-client";
import { runningInstance, startOrchestrator } from "../tests/support/orchestrator";
import { startS3Server } from "../tests/support/s3-server";
import { tools } from "../tests/support/tools";
import { arg, cpuSeconds } from "./load";
import { summarize } from "./stats";

const count = Number(arg("count", "100"));
const concurrency = arg("concurrency", "4");
const from = arg("from", "local");
const singles = Number(arg("singles", "5"));
const replication = arg("replication", "on");

/** CPU seconds the whole machine spent busy so far (all cores, from /proc/stat). */
function machineBusySeconds(): number {
  const fields = fs.readFileSync("/proc/stat", "utf8").split("\n")[0]!.trim().split(/\s+/).slice(1).map(Number);
  const idle = (fields[3] ?? 0) + (fields[4] ?? 0);
  return (fields.reduce((a, b) => a + b, 0) - idle) / 100; // USER_HZ: 100 on Linux
}

/** N bare PocketBase processes started at once on copies of `pbData`: time of each to its first healthy answer. */
async function bareBurst(pbData: string, n: number): Promise<number[]> {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "bare-burst-"));
  const dirs = Array.from({ length: n }, (_, i) => {
    const dir = path.join(work, String(i));
    fs.cpSync(pbData, dir, { recursive: true });
    return dir;
  });
  const ports = await Promise.all(dirs.map(() => getPort()));
  try {
    const t0 = performance.now();
    const children = dirs.map((dir, i) =>
      execa(tools.pocketbase, ["serve", "--http", `127.0.0.1:${ports[i]}`, "--dir", dir], { reject: false, env: { GOMAXPROCS: "1", GOMEMLIMIT: "48MiB" } }),
    );
    const healthy = await Promise.all(
      ports.map(async (port) => {
        for (;;) {
          const ok = await fetch(`http://127.0.0.1:${port}/api/health`).then(
            (r) => r.ok,
            () => false,
          );
          if (ok) return performance.now() - t0;
          await new Promise((r) => setTimeout(r, 20));
        }
      }),
    );
    for (const child of children) child.kill("SIGTERM");
    await Promise.all(children);
    return healthy;
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

const s3 = await startS3Server();
const orch = await startOrchestrator({
  env: {
    ...s3.env,
    LOG_LEVEL: "warn",
    START_CONCURRENCY: concurrency,
    IDLE_TIMEOUT_MINUTES: "0",
    WAKE_TIMEOUT_MS: "120000",
    REPLICATION: replication,
    // The burst stands for many clients, but all of it comes from one loopback address.
    GATEWAY_MAX_CONCURRENT_PER_IP: "0",
    GATEWAY_MAX_CONNECTIONS_PER_IP: "0",
    GATEWAY_RATE_PER_IP: "0",
  },
});
const client = createGatewayClient({ port: orch.gatewayPort });
try {
  // Setup: every instance started once, given a collection and a record, then stopped (uploaded).
  const subs = Array.from({ length: count + singles }, (_, i) => `wake${i}`);
  const ids = new Map<string, string>();
  const setup = pLimit(8);
  const t0 = performance.now();
  await Promise.all(
    subs.map((sub) =>
      setup(async () => {
        const { id, pb } = await runningInstance(orch, client, sub);
        await pb.collections.create({ name: "notes", type: "base", listRule: "", viewRule: "", fields: [{ name: "text", type: "text" }] });
        await pb.collection("notes").create({ text: `hello from ${sub}` });
        const stopped = await orch.api("POST", `/v1/instances/${id}/stop?wait=1`);
        if (stopped.body.instance?.status !== "stopped") throw new Error(`${sub}: stop left ${JSON.stringify(stopped.body)}`);
        if (from === "store") orch.wipeTenant(id);
        ids.set(sub, id);
      }),
    ),
  );
  console.log(`setup: ${count + singles} instances created, started, written and stopped in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

  /** One request through the gateway to a stopped instance: the wake, timed to its answer. */
  const wake = async (sub: string) => {
    const started = performance.now();
    const res = await client.fetch(client.url(sub, "/api/collections/notes/records"));
    const body = await res.text();
    const ms = performance.now() - started;
    return { ms, ok: res.status === 200 && body.includes(`hello from ${sub}`), status: res.status };
  };

  // Baseline: single wakes, one at a time, on instances the simultaneous wake does not use.
  const single: number[] = [];
  const busyBeforeSingles = machineBusySeconds();
  const orchBeforeSingles = cpuSeconds(orch.pid);
  for (const sub of subs.slice(count)) {
    const w = await wake(sub);
    if (!w.ok) throw new Error(`single wake of ${sub} answered ${w.status}`);
    single.push(w.ms);
  }

  const singleCpuMs = ((machineBusySeconds() - busyBeforeSingles) * 1000) / singles;
  const singleOrchMs = ((cpuSeconds(orch.pid) - orchBeforeSingles) * 1000) / singles;
  // The floor: the same number of bare PocketBase starts at once, on a copy of one tenant's data.
  const floor = await bareBurst(path.join(orch.tenantDir(ids.get(subs[0]!)!), "pb_data"), count);

  const loadBefore = os.loadavg().map((l) => l.toFixed(2));
  const busyBefore = machineBusySeconds();
  const orchBefore = cpuSeconds(orch.pid);
  const results = await Promise.all(subs.slice(0, count).map((sub) => wake(sub)));
  const burstCpuMs = ((machineBusySeconds() - busyBefore) * 1000) / count;
  const burstOrchMs = ((cpuSeconds(orch.pid) - orchBefore) * 1000) / count;
  const failed = results.filter((r) => !r.ok);

  console.log(`\n${count} simultaneous wakes, START_CONCURRENCY=${concurrency}, data ${from === "store" ? "restored from the store" : "in the local copy"}`);
  console.log(`load (1/5/15 min) before the burst: ${loadBefore.join(" / ")}`);
  const base = summarize("baseline: one wake alone", single);
  const bare = summarize(`floor: ${count} bare pocketbase at once`, floor);
  const burst = summarize(
    `${count} wakes at once`,
    results.map((r) => r.ms),
  );
  console.log(`machine CPU per wake (all processes, both cores): alone ${singleCpuMs.toFixed(0)} ms, in the burst ${burstCpuMs.toFixed(0)} ms`);
  console.log(`of it the orchestrator's own process: alone ${singleOrchMs.toFixed(0)} ms, in the burst ${burstOrchMs.toFixed(0)} ms`);
  console.log(`failed: ${failed.length}${failed.length ? ` (statuses ${[...new Set(failed.map((f) => f.status))].join(", ")})` : ""}`);
  console.log(
    `ratio p99 burst / p50 single: ${(burst.p99 / base.p50).toFixed(1)}x (target <= 10x); p50 burst / p50 single: ${(burst.p50 / base.p50).toFixed(1)}x`,
  );
  console.log(`ratio p99 burst / p99 floor: ${(burst.p99 / bare.p99).toFixed(1)}x; the floor itself is ${(bare.p99 / base.p50).toFixed(1)}x the single wake`);
} finally {
  await client.close();
  await orch.dispose();
  await s3.dispose();
}
