// Simultaneous wakes: N stopped instances, each with its data stored in the S3 server, all woken by
// one request each through the gateway at the same moment. Baseline in the same run: one wake
// alone (the median of a few). Target: every request answers 200; p99 <= 10x the single wake.
// Runs with the platform as configured on this host (sandboxed as root, replication on).
// Usage: npx tsx bench/wakes.ts [--count=100] [--concurrency=4] [--from=local|store] [--singles=5]
import os from "node:os";
import pLimit from "p-limit";
import { createGatewayClient } from "../tests/support/gateway-client";
import { runningInstance, startOrchestrator } from "../tests/support/orchestrator";
import { startS3Server } from "../tests/support/s3-server";
import { arg } from "./load";
import { summarize } from "./stats";

const count = Number(arg("count", "100"));
const concurrency = arg("concurrency", "4");
const from = arg("from", "local");
const singles = Number(arg("singles", "5"));

const s3 = await startS3Server();
const orch = await startOrchestrator({
  env: { ...s3.env, LOG_LEVEL: "warn", START_CONCURRENCY: concurrency, IDLE_TIMEOUT_MINUTES: "0", WAKE_TIMEOUT_MS: "120000", REPLICATION: "on" },
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
  for (const sub of subs.slice(count)) {
    const w = await wake(sub);
    if (!w.ok) throw new Error(`single wake of ${sub} answered ${w.status}`);
    single.push(w.ms);
  }

  const loadBefore = os.loadavg().map((l) => l.toFixed(2));
  const results = await Promise.all(subs.slice(0, count).map((sub) => wake(sub)));
  const failed = results.filter((r) => !r.ok);

  console.log(`\n${count} simultaneous wakes, START_CONCURRENCY=${concurrency}, data ${from === "store" ? "restored from the store" : "in the local copy"}`);
  console.log(`load (1/5/15 min) before the burst: ${loadBefore.join(" / ")}`);
  const base = summarize("baseline: one wake alone", single);
  const burst = summarize(
    `${count} wakes at once`,
    results.map((r) => r.ms),
  );
  console.log(`failed: ${failed.length}${failed.length ? ` (statuses ${[...new Set(failed.map((f) => f.status))].join(", ")})` : ""}`);
  console.log(
    `ratio p99 burst / p50 single: ${(burst.p99 / base.p50).toFixed(1)}x (target <= 10x); p50 burst / p50 single: ${(burst.p50 / base.p50).toFixed(1)}x`,
  );
} finally {
  await client.close();
  await orch.dispose();
  await s3.dispose();
}
