// Idle running tenants: N instances created and started through the orchestrator's API (bounded
// concurrency), all checked healthy through the gateway, left to settle; then what they cost while
// they idle. Runs with the platform as configured on this host (sandboxed as root, cgroup limits,
// replication on with the S3 server), as bench/wakes.ts does.
// Baselines in the same run: the orchestrator and one busy tenant measured with that tenant alone
// before the others start. The busy tenant is measured again with Litestream paused, and with the
// idle PocketBase processes paused, to tell which neighbour costs it.
// Targets (issue 10): host cost per tenant (PSS of every process in its cgroup + the shared
// Litestream's PSS / N) <= 10 MB; orchestrator RSS <= 400 MB; event-loop delay p99 <= 20 ms while
// idle; the busy tenant's gateway p50 with N-1 idle neighbours <= 1.1x its p50 alone.
// Usage: npx tsx bench/idle-tenants.ts [--count=1000] [--concurrency=8] [--requests=2000] [--settle=30] [--idle-seconds=20]
import fs from "node:fs";
import os from "node:os";
import pLimit from "p-limit";
import { createGatewayClient, type GatewayClient } from "../tests/support/gateway-client";
import { startOrchestrator, type OrchestratorHandle } from "../tests/support/orchestrator";
import { litestreamProcessesUnder, pocketbaseProcessesUnder } from "../tests/support/processes";
import { startS3Server } from "../tests/support/s3-server";
import { arg, cpuSeconds } from "./load";
import { processName, pssKb, statusKb, tenantCgroupPids } from "./memory";
import { signalPid } from "../orchestrator/supervisor/proc";
import { percentile, summarize } from "./stats";

if (process.getuid?.() !== 0) throw new Error("bench/idle-tenants.ts measures sandboxed tenants: it needs root");
const count = Number(arg("count", "1000"));
const concurrency = Number(arg("concurrency", "8"));
const requests = Number(arg("requests", "2000"));
const settleSeconds = Number(arg("settle", "30"));
const idleSeconds = Number(arg("idle-seconds", "20"));

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const mb = (kb: number) => (kb / 1024).toFixed(1);
const loadavg = () =>
  os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(" / ");

/** `requests` sequential GET /api/health through the gateway (after a short warm-up): each latency in ms. */
async function busyTenant(client: GatewayClient, sub: string): Promise<number[]> {
  const url = client.url(sub, "/api/health");
  const one = async () => {
    const t0 = performance.now();
    const res = await client.fetch(url);
    await res.arrayBuffer();
    if (res.status !== 200) throw new Error(`${sub}: /api/health answered ${res.status}`);
    return performance.now() - t0;
  };
  for (let i = 0; i < 200; i++) await one();
  const samples: number[] = [];
  for (let i = 0; i < requests; i++) samples.push(await one());
  return samples;
}

/** Creates and starts one instance through the API (start waits until PocketBase is healthy); its start time in ms. */
async function startOne(orch: OrchestratorHandle, sub: string): Promise<{ id: string; ms: number }> {
  const id = await orch.createInstance(sub);
  const t0 = performance.now();
  const started = await orch.api("POST", `/v1/instances/${id}/start?wait=1`);
  if (started.body.instance?.status !== "running") throw new Error(`${sub}: start left ${JSON.stringify(started.body)}`);
  return { id, ms: performance.now() - t0 };
}

/** The orchestrator's event-loop delay over `seconds` of idling, its memory at the end, and CPU ms per minute (its own, Litestream's). */
async function idleWindow(orch: OrchestratorHandle, seconds: number) {
  const litestream = () => litestreamProcessesUnder(orch.dataDir).reduce((sum, p) => sum + cpuSeconds(p), 0);
  const before = { orch: cpuSeconds(orch.pid), litestream: litestream() };
  await orch.runtime(true);
  await sleep(seconds * 1000);
  const perMinute = (s: number) => Math.round((s * 1000 * 60) / seconds);
  return {
    ...(await orch.runtime()),
    cpuMsPerMinute: { orch: perMinute(cpuSeconds(orch.pid) - before.orch), litestream: perMinute(litestream() - before.litestream) },
  };
}

/** PSS (kB) of each tenant's whole cgroup, with PocketBase's own share apart. */
function tenantCosts(orch: OrchestratorHandle, ids: string[]) {
  const total: number[] = [];
  const pocketbase: number[] = [];
  for (const id of ids) {
    let sum = 0;
    for (const pid of tenantCgroupPids(orch, id)) {
      const pss = pssKb(pid);
      sum += pss;
      if (processName(pid) === "pocketbase") pocketbase.push(pss);
    }
    total.push(sum);
  }
  return { total, pocketbase };
}

const fdCount = (pid: number) => fs.readdirSync(`/proc/${pid}/fd`).length;

/** Sends `signal` to each pid (those already gone are skipped). */
const signalAll = (pids: number[], signal: NodeJS.Signals) => pids.forEach((p) => signalPid(p, signal));

/** Runs `work` with `pids` stopped (SIGSTOP), resuming them whatever happens. */
async function whilePaused<T>(pids: number[], work: () => Promise<T>): Promise<T> {
  signalAll(pids, "SIGSTOP");
  try {
    return await work();
  } finally {
    signalAll(pids, "SIGCONT");
  }
}

const s3 = await startS3Server();
const orch = await startOrchestrator({
  env: {
    ...s3.env,
    LOG_LEVEL: "info", // the shutdown's step times (printed at the end) are logged at info
    IDLE_TIMEOUT_MINUTES: "0",
    REPLICATION: "on",
    START_TIMEOUT_MS: "120000",
    // All of the load comes from one loopback address.
    GATEWAY_MAX_CONCURRENT_PER_IP: "0",
    GATEWAY_MAX_CONNECTIONS_PER_IP: "0",
    GATEWAY_RATE_PER_IP: "0",
    GATEWAY_RATE_PER_INSTANCE: "0",
  },
  stopGraceMs: 180_000,
});
const client = createGatewayClient({ port: orch.gatewayPort });
const pid = orch.pid as number;
try {
  console.log(`idle tenants: ${count}, start concurrency ${concurrency} (API callers), node ${process.version}, ${os.cpus().length} cores`);
  const empty = { rssKb: statusKb(pid, "VmRSS"), fds: fdCount(pid) };

  // Baseline: the busy tenant alone.
  const busy = await startOne(orch, "busy");
  await sleep(2_000);
  const aloneIdle = await idleWindow(orch, idleSeconds);
  const aloneRssKb = statusKb(pid, "VmRSS");
  const aloneFds = fdCount(pid);
  const loadAlone = loadavg();
  const alone = await busyTenant(client, "busy");

  // N-1 neighbours, started through the API a few at a time.
  const gate = pLimit(concurrency);
  const t0 = performance.now();
  const milestones: string[] = [];
  let done = 0;
  const subs = Array.from({ length: count - 1 }, (_, i) => `idle${i}`);
  const starts = await Promise.all(
    subs.map((sub) =>
      gate(async () => {
        const s = await startOne(orch, sub);
        done++;
        if (done % Math.max(1, Math.floor(subs.length / 10)) === 0) {
          const rt = await orch.runtime();
          milestones.push(
            `  ${String(done).padStart(5)} started at ${((performance.now() - t0) / 1000).toFixed(1).padStart(6)} s, orchestrator RSS ${mb(rt.memory.rssBytes / 1024)} MB, heap ${mb(rt.memory.heapUsedBytes / 1024)} MB, fds ${fdCount(pid)}`,
          );
        }
        return s;
      }),
    ),
  );
  const startSeconds = (performance.now() - t0) / 1000;
  const ids = [busy.id, ...starts.map((s) => s.id)];

  // Every tenant answers through the gateway.
  const check = pLimit(16);
  const unhealthy = (
    await Promise.all(
      ["busy", ...subs].map((sub) =>
        check(async () => {
          const res = await client.fetch(client.url(sub, "/api/health")).catch(() => undefined);
          await res?.arrayBuffer();
          return res?.status === 200 ? undefined : sub;
        }),
      ),
    )
  ).filter((s) => s !== undefined);

  await sleep(settleSeconds * 1000);
  const loadIdle = loadavg();
  const idle = await idleWindow(orch, idleSeconds);
  const rssKb = statusKb(pid, "VmRSS");
  const fds = fdCount(pid);
  const costs = tenantCosts(orch, ids);
  const litestreamKb = litestreamProcessesUnder(orch.dataDir).reduce((sum, p) => sum + pssKb(p), 0);
  const withNeighbours = await busyTenant(client, "busy");
  // Which neighbour costs the busy tenant: the same measurement with Litestream paused, then with
  // the idle PocketBase processes paused (SIGSTOP; each resumed before the next step).
  const litestreamPaused = await whilePaused(litestreamProcessesUnder(orch.dataDir), () => busyTenant(client, "busy"));
  const busyPids = new Set(tenantCgroupPids(orch, busy.id));
  const neighbourPids = pocketbaseProcessesUnder(orch.dataDir).filter((p) => !busyPids.has(p));
  const neighboursPaused = await whilePaused(neighbourPids, () => busyTenant(client, "busy"));
  const withNeighboursAgain = await busyTenant(client, "busy"); // brackets the paused runs in time

  console.log(
    `\nstarted ${count - 1} neighbours in ${startSeconds.toFixed(1)} s (${((count - 1) / startSeconds).toFixed(1)} per s); healthy through the gateway: ${count - unhealthy.length}/${count}`,
  );
  if (unhealthy.length) console.log(`  unhealthy: ${unhealthy.slice(0, 10).join(", ")}${unhealthy.length > 10 ? ", …" : ""}`);
  for (const line of milestones) console.log(line);
  const tenth = Math.max(1, Math.floor(starts.length / 10));
  summarize(
    "start via API, first tenth",
    starts.slice(0, tenth).map((s) => s.ms),
  );
  summarize(
    "start via API, last tenth",
    starts.slice(-tenth).map((s) => s.ms),
  );
  console.log(`load (1/5/15 min): with the busy tenant alone ${loadAlone}; ${count} idle ${loadIdle}`);

  const perTenantKb = percentile(costs.total, 50);
  const sumKb = costs.total.reduce((a, b) => a + b, 0);
  const hostCostKb = (sumKb + litestreamKb) / count;
  console.log(
    `\nhost cost per tenant: ${mb(hostCostKb)} MB (target <= 10 MB) = cgroup PSS mean ${mb(sumKb / count)} MB (p50 ${mb(perTenantKb)}, PocketBase alone p50 ${mb(percentile(costs.pocketbase, 50))}) + Litestream ${mb(litestreamKb)} MB / ${count}`,
  );
  console.log(
    `orchestrator RSS: empty ${mb(empty.rssKb)} MB, with one tenant ${mb(aloneRssKb)} MB, with ${count} ${mb(rssKb)} MB (target <= 400 MB); heap used ${mb(idle.memory.heapUsedBytes / 1024)} MB (alone ${mb(aloneIdle.memory.heapUsedBytes / 1024)} MB)`,
  );
  console.log(
    `orchestrator RSS per added tenant: ${((rssKb - aloneRssKb) / (count - 1)).toFixed(0)} kB; open fds: empty ${empty.fds}, alone ${aloneFds}, with ${count} ${fds} (${((fds - aloneFds) / (count - 1)).toFixed(2)} per tenant)`,
  );
  const cpu = (m: typeof idle) => `orchestrator ${m.cpuMsPerMinute.orch} ms, Litestream ${m.cpuMsPerMinute.litestream} ms`;
  console.log(`CPU per minute while idle: alone ${cpu(aloneIdle)}; with ${count} ${cpu(idle)}`);
  const el = (m: typeof idle) => `p50 ${m.eventLoopDelayMs.p50} ms, p99 ${m.eventLoopDelayMs.p99} ms, max ${m.eventLoopDelayMs.max} ms`;
  console.log(`event-loop delay over ${idleSeconds} s idle: alone ${el(aloneIdle)}; with ${count} ${el(idle)} (target p99 <= 20 ms)`);
  const a = summarize("busy tenant /api/health, alone", alone);
  const w = summarize(`busy tenant, ${count - 1} idle neighbours`, withNeighbours);
  console.log(`ratio with neighbours / alone: p50 ${(w.p50 / a.p50).toFixed(2)}x (target <= 1.1x), p99 ${(w.p99 / a.p99).toFixed(2)}x`);
  const l = summarize("busy tenant, neighbours, Litestream paused", litestreamPaused);
  const n = summarize(`busy tenant, ${neighbourPids.length} idle PocketBase paused`, neighboursPaused);
  const again = summarize(`busy tenant, ${count - 1} idle neighbours, again`, withNeighboursAgain);
  console.log(
    `ratio / alone: Litestream paused p50 ${(l.p50 / a.p50).toFixed(2)}x; idle PocketBase paused p50 ${(n.p50 / a.p50).toFixed(2)}x; neighbours again p50 ${(again.p50 / a.p50).toFixed(2)}x`,
  );
} finally {
  await client.close();
  const t1 = performance.now();
  await orch.dispose();
  await s3.dispose();
  const leftovers = pocketbaseProcessesUnder(orch.dataDir).length;
  console.log(`\nstopped in ${((performance.now() - t1) / 1000).toFixed(1)} s; PocketBase processes left: ${leftovers}`);
  printShutdown(orch.logFile);
}

/** The shutdown as the orchestrator logged it: each step's time, and how many tenants got their final upload. */
function printShutdown(logFile: string): void {
  const lines = fs.readFileSync(logFile, "utf8").split("\n");
  const from = lines.findLastIndex((line) => line.includes('"shutting down"'));
  const entries = lines.slice(Math.max(0, from)).flatMap((line) => {
    try {
      return [JSON.parse(line) as { msg?: string; step?: string; ms?: number; timeoutMs?: number; reason?: string; left?: number }];
    } catch {
      return [];
    }
  });
  const steps = entries
    .filter((e) => e.step !== undefined && ((e.ms ?? 0) >= 100 || e.timeoutMs !== undefined))
    .map((e) => `${e.step} ${e.ms ?? `timed out (${e.timeoutMs} ms)`}`);
  const uploads = entries.filter((e) => e.msg === "snapshot uploaded" && e.reason === "stop").length;
  const left = entries.find((e) => e.left !== undefined)?.left ?? 0;
  console.log(`shutdown: final uploads ${uploads}, stopped without one ${left}; steps over 100 ms (ms): ${steps.join("; ")}`);
}
