// API keys at the gateway: the same record list through the real orchestrator's gateway
//   (a) anonymous (public list rule),
//   (b) with `Authorization: <superuser token>` sent by the client itself,
//   (c) with `Authorization: Bearer <instance API key>`, which the gateway checks and swaps for a
//       cached superuser token.
// (c) − (b) is what key handling adds in the gateway (PocketBase does the same work in both);
// (c) − (a) also includes PocketBase authenticating a superuser. The first keyed request (token
// mint) happens in the warm-up. Target: ≤ 0.5 ms added at p50 after the first request.
// Usage: npx tsx bench/gateway-apikey.ts [--connections=10] [--duration=8] [--rounds=3]
import { generateApiKey } from "../lib/api-keys";
import { apiKeys } from "../lib/db/schema";
import { createGatewayClient } from "../tests/support/gateway-client";
import { runningInstance, startOrchestrator } from "../tests/support/orchestrator";
import { arg, cpuSeconds, median, runAutocannon, type Measured } from "./load";

const connections = Number(arg("connections", "10"));
const duration = Number(arg("duration", "8"));
const rounds = Number(arg("rounds", "3"));

// One load generator is one client far above the default 200 req/s: budgets it never uses up keep
// the limiters running on every request (their cost is part of the figure) without refusing any.
const orch = await startOrchestrator({
  env: { LOG_LEVEL: "warn", IDLE_TIMEOUT_MINUTES: "0", GATEWAY_RATE_PER_IP: "1000000", GATEWAY_RATE_PER_INSTANCE: "1000000" },
});
const client = createGatewayClient({ port: orch.gatewayPort });
try {
  const sub = "keybench";
  const { id, pb } = await runningInstance(orch, client, sub);
  await pb.collections.create({ name: "items", type: "base", listRule: "", fields: [{ name: "title", type: "text" }] });
  for (let i = 0; i < 100; i++) await pb.collection("items").create({ title: `item ${i}` });
  const key = generateApiKey();
  await orch.db.insert(apiKeys).values({ id: key.id, instanceId: id, name: "bench", keyHash: key.keyHash });

  const url = `http://127.0.0.1:${orch.gatewayPort}/api/collections/items/records?perPage=20`;
  const host = `${sub}.localhost:${orch.gatewayPort}`;
  const modes = {
    anonymous: { host },
    "superuser token": { host, authorization: pb.authStore.token },
    "API key": { host, authorization: `Bearer ${key.key}` },
  } as const;
  type Mode = keyof typeof modes;
  for (const headers of Object.values(modes)) await runAutocannon({ url, connections, duration: 2, headers: { ...headers } });

  const samples: Record<Mode, Measured[]> = { anonymous: [], "superuser token": [], "API key": [] };
  const cpu: Record<Mode, number[]> = { anonymous: [], "superuser token": [], "API key": [] };
  for (let round = 0; round < rounds; round++) {
    const order = (Object.keys(modes) as Mode[]).sort(() => (round % 2 ? -1 : 1));
    for (const mode of order) {
      const cpuBefore = cpuSeconds(orch.pid);
      const m = await runAutocannon({ url, connections, duration, headers: { ...modes[mode] } });
      const cpuUs = ((cpuSeconds(orch.pid) - cpuBefore) * 1e6) / (m.rps * duration);
      if (m.failed) throw new Error(`${mode}: ${m.failed} failed requests`);
      samples[mode].push(m);
      cpu[mode].push(cpuUs);
      console.log(
        `round ${round + 1} ${mode.padEnd(16)} ${m.rps.toFixed(0).padStart(6)} req/s  p50 ${m.p50.toFixed(2)} ms  p99 ${m.p99.toFixed(2)} ms  [orchestrator CPU ${cpuUs.toFixed(0)} µs/req]`,
      );
    }
  }
  const p50 = (mode: Mode) => median(samples[mode].map((s) => s.p50));
  const rps = (mode: Mode) => median(samples[mode].map((s) => s.rps));
  console.log(`\n== medians, ${connections} connections, ${rounds} × ${duration} s ==`);
  for (const mode of Object.keys(modes) as Mode[]) {
    console.log(
      `${mode.padEnd(16)} ${rps(mode).toFixed(0).padStart(6)} req/s  p50 ${p50(mode).toFixed(2)} ms  orchestrator CPU ${median(cpu[mode]).toFixed(0)} µs/req`,
    );
  }
  const added = p50("API key") - p50("superuser token");
  console.log(
    `added by key handling at the gateway (API key − superuser token): p50 ${added.toFixed(2)} ms → target ≤ 0.5 ms ${added <= 0.5 ? "met" : "MISSED"}`,
  );
  console.log(`API key vs anonymous (includes PocketBase's superuser auth): p50 ${(p50("API key") - p50("anonymous")).toFixed(2)} ms`);
} finally {
  await client.close();
  await orch.dispose();
}
