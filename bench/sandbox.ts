/**
 * What the tenant sandbox costs: two real orchestrators side by side on this host, one with
 * TENANT_ISOLATION=sandbox and one with it off (tenants as plain processes), measured in the same
 * run and compared as ratios. Needs root.
 *
 *   npx tsx bench/sandbox.ts [--wakes=15] [--tenants=50] [--seconds=8] [--connections=50]
 *
 * - wake from the local copy (stopped → first 200 through the gateway, no restore): p50 difference;
 * - idle memory per tenant: PSS of every process a tenant has (sandboxed: bwrap, its init and
 *   PocketBase), summed, divided by the tenant count;
 * - gateway throughput on a public records list, alternating rounds: ratio sandbox / off.
 */
import fs from "node:fs";
import { createGatewayClient, type GatewayClient } from "../tests/support/gateway-client";
import { runningInstance, startOrchestrator, type OrchestratorHandle } from "../tests/support/orchestrator";
import { arg, median, runAutocannon } from "./load";
import { pssKb, tenantCgroupPids } from "./memory";
import { percentile } from "./stats";

if (process.getuid?.() !== 0) throw new Error("bench/sandbox.ts needs root (the sandbox does)");
const wakes = Number(arg("wakes", "15"));
const tenants = Number(arg("tenants", "50"));
const seconds = Number(arg("seconds", "8"));
const connections = Number(arg("connections", "50"));

type Side = { name: "sandbox" | "off"; orch: OrchestratorHandle; client: GatewayClient };

async function open(name: Side["name"]): Promise<Side> {
  const orch = await startOrchestrator({
    env: {
      TENANT_ISOLATION: name,
      LOG_LEVEL: "warn",
      IDLE_TIMEOUT_MINUTES: "0",
      // The load comes from one address: the gateway's per-client limits would measure themselves.
      GATEWAY_RATE_PER_IP: "0",
      GATEWAY_RATE_PER_INSTANCE: "0",
      GATEWAY_MAX_CONCURRENT_PER_IP: "0",
    },
  });
  return { name, orch, client: createGatewayClient({ port: orch.gatewayPort }) };
}

/** Stopped → first 200 through the gateway with the local copy in place (the usual wake after an idle stop). */
async function wakeTimes(side: Side, id: string, sub: string): Promise<number> {
  await side.orch.api("POST", `/v1/instances/${id}/stop?wait=1`);
  const t0 = performance.now();
  const res = await side.client.fetch(side.client.url(sub, "/api/health"));
  const ms = performance.now() - t0;
  if (res.status !== 200) throw new Error(`${side.name}: wake answered ${res.status}`);
  return ms;
}

/** PSS (kB) of every process of a tenant: its cgroup when sandboxed, else PocketBase from its pid file. */
function tenantPss(side: Side, id: string): number {
  const pids = side.name === "sandbox" ? tenantCgroupPids(side.orch, id) : [Number(fs.readFileSync(`${side.orch.tenantRoot(id)}/meta/pocketbase.pid`, "utf8"))];
  return pids.reduce((sum, pid) => sum + pssKb(pid), 0);
}

const sides = [await open("sandbox"), await open("off")];
try {
  console.log(`load: ${fs.readFileSync("/proc/loadavg", "utf8").trim()}`);
  // 1. Wake from the local copy.
  const wake: Record<string, number[]> = { sandbox: [], off: [] };
  const first = await Promise.all(sides.map((s) => runningInstance(s.orch, s.client, "wake")));
  for (let i = 0; i < wakes; i++) {
    for (const [j, side] of sides.entries()) wake[side.name]?.push(await wakeTimes(side, first[j]!.id, "wake"));
  }
  const p50 = (xs: number[] = []) => percentile(xs, 50);
  console.log(
    `wake from local copy p50: sandbox ${p50(wake.sandbox).toFixed(1)} ms, off ${p50(wake.off).toFixed(1)} ms → +${(p50(wake.sandbox) - p50(wake.off)).toFixed(1)} ms (target ≤ +15 ms)`,
  );

  // 2. Gateway throughput on a realistic read.
  for (const { pb } of first) {
    await pb.collections.create({ name: "items", type: "base", listRule: "", fields: [{ name: "title", type: "text" }] });
    for (let k = 0; k < 100; k++) await pb.collection("items").create({ title: `item ${k}` });
  }
  const rps: Record<string, number[]> = { sandbox: [], off: [] };
  for (let round = 0; round < 3; round++) {
    for (const side of round % 2 === 0 ? sides : [...sides].reverse()) {
      const url = `http://127.0.0.1:${side.orch.gatewayPort}/api/collections/items/records?perPage=20`;
      const m = await runAutocannon({ url, connections, duration: seconds, headers: { host: `wake.localhost:${side.orch.gatewayPort}` } });
      if (m.failed > 0) console.log(`  ${side.name}: ${m.failed} failed`);
      rps[side.name]?.push(m.rps);
    }
  }
  const ratio = median(rps.sandbox ?? []) / median(rps.off ?? []);
  console.log(
    `gateway throughput (${connections} connections): sandbox ${median(rps.sandbox ?? []).toFixed(0)} rps, off ${median(rps.off ?? []).toFixed(0)} rps → ratio ${ratio.toFixed(3)} (target ≥ 0.95)`,
  );

  // 3. Idle memory per tenant.
  const pss: Record<string, number> = {};
  for (const side of sides) {
    const ids: string[] = [];
    for (let k = 0; k < tenants; k++) ids.push((await runningInstance(side.orch, side.client, `idle-${k}`)).id);
    await new Promise((resolve) => setTimeout(resolve, 5_000));
    pss[side.name] = ids.reduce((sum, id) => sum + tenantPss(side, id), 0) / ids.length;
  }
  const mb = (kb = 0) => (kb / 1024).toFixed(2);
  console.log(
    `idle PSS per tenant (${tenants} each): sandbox ${mb(pss.sandbox)} MB, off ${mb(pss.off)} MB → +${mb((pss.sandbox ?? 0) - (pss.off ?? 0))} MB (target ≤ +2 MB)`,
  );
  console.log(`load: ${fs.readFileSync("/proc/loadavg", "utf8").trim()}`);
} finally {
  for (const side of sides) {
    await side.client.close();
    await side.orch.dispose();
  }
}
