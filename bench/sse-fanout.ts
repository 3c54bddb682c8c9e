/**
 * Realtime fan-out: N SSE subscribers (PocketBase realtime, the SDK's protocol) to one collection of
 * one real PocketBase, then a record created R times; each subscriber's latency is the time from
 * the create to its receipt of that record's event. Measured straight on PocketBase (the baseline)
 * and through the gateway (its own Node process, bench/gateway-fixture.ts), alternating, in the
 * same run. Target: gateway p99 <= 1.5x direct p99.
 *
 *   npx tsx bench/sse-fanout.ts [--subscribers=1000] [--rounds=5] [--phases=2]
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { EventSource } from "eventsource";
import getPort from "get-port";
import { createGatewayClient } from "../tests/support/gateway-client";
import { EMAIL, PASSWORD, startGatewayChild, startPocketBase, SUBDOMAIN } from "./gateway-fixture";
import { arg } from "./load";
import { summarize } from "./stats";

const subscribers = Number(arg("subscribers", "1000"));
const rounds = Number(arg("rounds", "5"));
const phases = Number(arg("phases", "2"));

type Side = { name: string; url: (p: string) => string; fetch: typeof fetch; EventSource: typeof EventSource };

/** Opens `n` realtime subscriptions to `items`; `onRecord` gets each received record id with the subscriber's receipt time. */
async function subscribe(side: Side, n: number, onRecord: (id: string, at: number) => void): Promise<EventSource[]> {
  const sources: EventSource[] = [];
  const opening = Array.from({ length: n }, async () => {
    const es = new side.EventSource(side.url("/api/realtime"));
    sources.push(es);
    const clientId = await new Promise<string>((resolve, reject) => {
      es.addEventListener("PB_CONNECT", (e) => resolve((JSON.parse(e.data) as { clientId: string }).clientId), { once: true });
      es.onerror = (e) => reject(new Error(`subscriber could not connect: ${String(e.message)}`));
    });
    es.onerror = null;
    es.addEventListener("items", (e) => onRecord((JSON.parse(e.data) as { record: { id: string } }).record.id, performance.now()));
    const res = await side.fetch(side.url("/api/realtime"), {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ clientId, subscriptions: ["items"] }),
    });
    if (res.status !== 204) throw new Error(`${side.name}: subscribe answered ${res.status} ${await res.text()}`);
  });
  await Promise.all(opening);
  return sources;
}

/** `rounds` records created straight on PocketBase; the latency of every subscriber for each. */
async function measure(side: Side, create: () => Promise<string>): Promise<number[]> {
  const received = new Map<string, number[]>();
  const sources = await subscribe(side, subscribers, (id, at) => {
    const list = received.get(id);
    if (list) list.push(at);
    else received.set(id, [at]);
  });
  const latencies: number[] = [];
  try {
    for (let r = 0; r < rounds; r++) {
      const t0 = performance.now();
      const id = await create();
      const deadline = Date.now() + 30_000;
      while ((received.get(id)?.length ?? 0) < subscribers) {
        if (Date.now() > deadline) throw new Error(`${side.name}: ${received.get(id)?.length ?? 0} of ${subscribers} got the event`);
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      latencies.push(...(received.get(id) ?? []).map((at) => at - t0));
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  } finally {
    for (const es of sources) es.close();
  }
  return latencies;
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "picobase-fanout-"));
const pbPort = await getPort();
const { proc: pb } = await startPocketBase(dir, pbPort);
// The subscribers stand for many clients, but all come from one loopback address: per-address limits off.
const streams = subscribers + 100;
const gw = await startGatewayChild(pbPort, {
  limits: { maxConnectionsPerIp: 0, maxConcurrentPerIp: 0, maxStreamsPerInstance: streams, maxConnections: streams * 4 },
});
const client = createGatewayClient({ port: gw.port });
try {
  const base = `http://127.0.0.1:${pbPort}`;
  const auth = await fetch(`${base}/api/collections/_superusers/auth-with-password`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ identity: EMAIL, password: PASSWORD }),
  });
  const { token } = (await auth.json()) as { token: string };
  const post = async (route: string, body: unknown) => {
    const res = await fetch(`${base}${route}`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: token },
      body: JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`${route}: ${res.status} ${await res.text()}`);
    return (await res.json()) as { id: string };
  };
  await post("/api/collections", { name: "items", type: "base", listRule: "", viewRule: "", fields: [{ name: "title", type: "text" }] });
  const create = async () => (await post("/api/collections/items/records", { title: "hello" })).id;

  const direct: Side = { name: "direct", url: (p) => `${base}${p}`, fetch, EventSource };
  const viaGateway: Side = { name: "gateway", url: (p) => client.url(SUBDOMAIN, p), fetch: client.fetch, EventSource: client.EventSource };
  const samples = { direct: [] as number[], gateway: [] as number[] };
  for (let phase = 0; phase < phases; phase++) {
    // Alternate which side goes first so drift on the shared machine favours neither.
    for (const side of phase % 2 === 0 ? [direct, viaGateway] : [viaGateway, direct]) {
      samples[side.name as "direct" | "gateway"].push(...(await measure(side, create)));
    }
  }
  console.log(`${subscribers} subscribers, ${rounds} records x ${phases} phases per side; load ${os.loadavg()[0]?.toFixed(2)}; node ${process.version}`);
  const d = summarize("direct on PocketBase (baseline)", samples.direct);
  const g = summarize("through the gateway", samples.gateway);
  console.log(`ratio gateway / direct: p50 ${(g.p50 / d.p50).toFixed(2)}x, p99 ${(g.p99 / d.p99).toFixed(2)}x (target p99 <= 1.5x)`);
} finally {
  await client.close();
  for (const child of [gw.proc, pb]) child.kill("SIGTERM");
  await Promise.all([gw.proc, pb]);
  fs.rmSync(dir, { recursive: true, force: true });
}
