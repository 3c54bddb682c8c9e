// Cluster benchmark (issue 11): three orchestrators on one libSQL server (sqld) and one S3 server
// (versitygw), all on loopback, with the default node TTL (10 s) and idle stop off. In order:
//  1. Placement evenness: instances created and started one after another through node A's API,
//     kept running (each placement sees the others' leases); tenants per node by lease holder.
//  2. Forwarding overhead: one instance with a few public records; GET /api/health and its record
//     list sent one at a time over one keep-alive connection through the gateway of the node that
//     runs it (direct) and through another node's (forwarded), interleaved in blocks of 100.
//  3. Failover: instances with a few records each; one node killed -9 like a lost host (orchestrator,
//     Litestream, PocketBase); for each of its instances, time from the kill to the first 200 of
//     /api/health through a surviving gateway (polled every 100 ms, 2 s per request, 60 s cap).
// Baselines in the same run: the node TTL for failover (reported as TTL + x), the direct path for
// forwarding. Target: placement max/min <= 1.5; failover and forwarding are reported as ratios.
// Usage: npx tsx bench/cluster.ts [quick]   (quick: 15 placements, 300 requests, 6 failover instances)
import { randomBytes } from "node:crypto";
import os from "node:os";
import { eq, sql } from "drizzle-orm";
import type { Db } from "../lib/db/client";
import { leases } from "../lib/db/schema";
import type { GatewayClient } from "../tests/support/gateway-client";
import { clusterSecrets, liveNodeCount, loseHost, startClusterNode, type ClusterNode } from "../tests/support/cluster";
import { startS3Server, type S3Server } from "../tests/support/s3-server";
import { startSqld, type Sqld } from "../tests/support/sqld";
import { waitFor } from "../tests/support/wait";
import { ms, percentile, summarize } from "./stats";

const quick = process.argv[2] === "quick";
const scale = quick ? { placements: 15, requests: 300, failover: 6 } : { placements: 60, requests: 2_000, failover: 20 };
/** config.ts's NODE_TTL_SECONDS default: the bench leaves it alone, so failover is the production figure. */
const TTL_MS = 10_000;
const POLL_MS = 100;
const REQUEST_TIMEOUT_MS = 2_000;
const FAILOVER_CAP_MS = 60_000;
/** Continuous replication's host-loss window (tests/replication.test.ts): writes older than this are in the store. */
const REPLICATION_WINDOW_MS = 2_000;
const BLOCK = 100;

const sleep = (msec: number) => new Promise((r) => setTimeout(r, msec));
const hex = () => randomBytes(3).toString("hex");
const load = () => `load ${os.loadavg()[0]?.toFixed(2)}`;

type Node = ClusterNode;
type Cluster = { nodes: Node[]; token: string };

function startNode(name: string, sqld: Sqld, s3: S3Server, shared: Record<string, string>): Promise<Node> {
  return startClusterNode(name, {
    sqld,
    s3,
    shared,
    env: {
      LOG_LEVEL: "warn",
      // Every request comes from 127.0.0.1: per-client limits would measure themselves.
      GATEWAY_RATE_PER_IP: "0",
      GATEWAY_RATE_PER_INSTANCE: "0",
      GATEWAY_MAX_CONCURRENT_PER_IP: "0",
      GATEWAY_MAX_CONNECTIONS_PER_IP: "0",
    },
    stopGraceMs: 60_000,
  });
}

function liveNodes(c: Cluster): Promise<number> {
  return liveNodeCount(c.nodes[0]!.orch.apiUrl, c.token);
}

async function holderOf(db: Db, id: string): Promise<string> {
  const nodeId = (await db.select().from(leases).where(eq(leases.instanceId, id)))[0]?.nodeId;
  if (!nodeId) throw new Error(`instance ${id} has no lease holder`);
  return nodeId;
}

/** Creates and starts an instance through node A's API (placement picks the node); returns its id and the node running it. */
async function startInstance(c: Cluster, sub: string): Promise<{ id: string; holder: string }> {
  const a = c.nodes[0]!.orch;
  const id = await a.createInstance(sub);
  const started = await a.api("POST", `/v1/instances/${id}/start?wait=1`);
  if (started.body.instance?.status !== "running") throw new Error(`start of ${sub} failed: ${started.status} ${JSON.stringify(started.body)}`);
  return { id, holder: await holderOf(a.db, id) };
}

/** A started instance with a public `notes` collection holding `records` records, written through node A's gateway. */
async function seededInstance(c: Cluster, sub: string, records: number): Promise<{ id: string; holder: string }> {
  const placed = await startInstance(c, sub);
  const su = await c.nodes[0]!.orch.superuser(placed.id);
  const pb = c.nodes[0]!.client.pocketBase(sub);
  await pb.collection("_superusers").authWithPassword(su.email, su.password);
  await pb.collections.create({ name: "notes", type: "base", listRule: "", viewRule: "", fields: [{ name: "text", type: "text" }] });
  for (let i = 0; i < records; i++) await pb.collection("notes").create({ text: `note ${i} ${"lorem ipsum ".repeat(4)}` });
  return placed;
}

/** Stops instances through node A's API, three at a time (each stop uploads a final snapshot). */
async function stopAll(c: Cluster, ids: string[]): Promise<void> {
  const queue = [...ids];
  const worker = async () => {
    for (let id = queue.shift(); id !== undefined; id = queue.shift()) {
      const res = await c.nodes[0]!.orch.api("POST", `/v1/instances/${id}/stop?wait=1`);
      if (res.status !== 200) throw new Error(`stop of ${id} answered ${res.status}: ${JSON.stringify(res.body)}`);
    }
  };
  await Promise.all([worker(), worker(), worker()]);
}

async function placementEvenness(c: Cluster): Promise<void> {
  console.log(`\n== placement: ${scale.placements} instances created and started one at a time through ${c.nodes[0]!.name}'s API (${load()}) ==`);
  const perNode = new Map(c.nodes.map((n) => [n.name, 0]));
  const ids: string[] = [];
  const startMs: number[] = [];
  for (let i = 0; i < scale.placements; i++) {
    const t0 = performance.now();
    const { id, holder } = await startInstance(c, `place-${i}-${hex()}`);
    startMs.push(performance.now() - t0);
    ids.push(id);
    perNode.set(holder, (perNode.get(holder) ?? 0) + 1);
  }
  summarize("create + start (placement included)", startMs);
  const counts = [...perNode.values()];
  const ratio = Math.max(...counts) / Math.min(...counts);
  console.log(`tenants per node: ${[...perNode].map(([n, k]) => `${n} ${k}`).join(", ")}`);
  console.log(`max/min ${ratio.toFixed(2)} (target <= 1.5: ${ratio <= 1.5 ? "met" : "MISSED"}); ${load()}`);
  await stopAll(c, ids);
}

/** Milliseconds from sending a GET to the last byte of a 200 answer. */
async function timedGet(client: GatewayClient, url: string): Promise<number> {
  const t0 = performance.now();
  const res = await client.fetch(url);
  await res.arrayBuffer();
  if (res.status !== 200) throw new Error(`${url} answered ${res.status}`);
  return performance.now() - t0;
}

type Mode = { label: string; client: GatewayClient; url: string; samples: number[] };

/** Runs every mode `count` requests at a time, rotating which goes first each block so drift favours none. */
async function interleave(modes: Mode[], requests: number, record: boolean): Promise<void> {
  for (let block = 0; block * BLOCK < requests; block++) {
    const shift = block % modes.length;
    for (const mode of [...modes.slice(shift), ...modes.slice(0, shift)]) {
      for (let i = 0; i < Math.min(BLOCK, requests - block * BLOCK); i++) {
        const took = await timedGet(mode.client, mode.url);
        if (record) mode.samples.push(took);
      }
    }
  }
}

async function forwardingOverhead(c: Cluster): Promise<void> {
  const sub = `fwd-${hex()}`;
  const { id, holder } = await seededInstance(c, sub, 10);
  const owner = c.nodes.find((n) => n.name === holder)!;
  const other = c.nodes.find((n) => n !== owner)!;
  console.log(`\n== forwarding: one instance on ${owner.name}; ${scale.requests} sequential requests per path, keep-alive (${load()}) ==`);
  const mode = (label: string, node: Node, path: string): Mode => ({ label, client: node.client, url: node.client.url(sub, path), samples: [] });
  const list = "/api/collections/notes/records";
  const modes = [
    mode(`health via ${owner.name} (direct)`, owner, "/api/health"),
    mode(`health via ${other.name} (forwarded)`, other, "/api/health"),
    mode(`10-record list via ${owner.name} (direct)`, owner, list),
    mode(`10-record list via ${other.name} (forwarded)`, other, list),
  ];
  await interleave(modes, Math.min(200, scale.requests / 5), false); // warm-up: JITs, pooled sockets, SQLite cache
  await interleave(modes, scale.requests, true);
  for (const m of modes) summarize(m.label, m.samples);
  for (const [direct, forwarded] of [
    [modes[0]!, modes[1]!],
    [modes[2]!, modes[3]!],
  ] as const) {
    const [d50, f50] = [percentile(direct.samples, 50), percentile(forwarded.samples, 50)];
    const [d90, f90] = [percentile(direct.samples, 90), percentile(forwarded.samples, 90)];
    console.log(
      `${forwarded.label.split(" via ")[0]}: forwarded adds p50 ${(f50 - d50).toFixed(2)} ms (${ms(d50)} → ${ms(f50)}, ${(f50 / d50).toFixed(2)}x), ` +
        `p90 ${(f90 - d90).toFixed(2)} ms (${ms(d90)} → ${ms(f90)}, ${(f90 / d90).toFixed(2)}x)`,
    );
  }
  console.log(load());
  await stopAll(c, [id]);
}

type Probe = { ms: number | undefined; seen: Map<string, number> };

/** Polls the instance's /api/health through `client` until a 200 (or the cap); time since `since` and what answered before. */
async function timeToHealthy(client: GatewayClient, sub: string, since: number): Promise<Probe> {
  const seen = new Map<string, number>();
  const note = (what: string) => seen.set(what, (seen.get(what) ?? 0) + 1);
  while (performance.now() - since < FAILOVER_CAP_MS) {
    const tick = performance.now();
    try {
      const res = await client.fetch(client.url(sub, "/api/health"), { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
      await res.arrayBuffer();
      if (res.status === 200) return { ms: performance.now() - since, seen };
      note(String(res.status));
    } catch (err) {
      // Expected until the dead node's lease expires: its address refuses, or a wake outlasts the per-request timeout.
      const e = err as Error & { cause?: { code?: string } };
      note(e.name === "TimeoutError" ? "timeout" : (e.cause?.code ?? e.name));
    }
    await sleep(Math.max(0, POLL_MS - (performance.now() - tick)));
  }
  return { ms: undefined, seen };
}

/** Kills a node as a lost host would go (tests/support/cluster.ts). Returns when it began. */
async function killNode(node: Node): Promise<number> {
  const killedAt = performance.now();
  await loseHost(node);
  return killedAt;
}

/** When (ms after `killedAt`) the dead node's leases expire by the DB's clock: the earliest a survivor may take them over. */
async function leaseExpiries(db: Db, node: string, killedAt: number): Promise<number[]> {
  const rows = await db.all<{ remaining: number }>(
    sql`SELECT expires_at - CAST(unixepoch('subsec') * 1000 AS INTEGER) AS remaining FROM ${leases} WHERE node_id = ${node}`,
  );
  const elapsed = performance.now() - killedAt;
  return rows.map((r) => elapsed + Number(r.remaining));
}

async function failover(c: Cluster): Promise<void> {
  const records = 5;
  const placed: { id: string; sub: string; holder: string }[] = [];
  for (let i = 0; i < scale.failover; i++) {
    const sub = `fo-${i}-${hex()}`;
    placed.push({ sub, ...(await seededInstance(c, sub, records)) });
  }
  // Node A serves the bench's API calls: the victim is whichever other node runs more of these.
  const count = (n: Node) => placed.filter((p) => p.holder === n.name).length;
  const victim = c.nodes.slice(1).sort((x, y) => count(y) - count(x))[0]!;
  const survivors = c.nodes.filter((n) => n !== victim);
  const lost = placed.filter((p) => p.holder === victim.name);
  if (lost.length === 0) throw new Error(`${victim.name} runs none of the ${placed.length} instances`);
  console.log(
    `\n== failover: ${scale.failover} instances (${c.nodes.map((n) => `${n.name} ${count(n)}`).join(", ")}); kill -9 of ${victim.name}, TTL ${TTL_MS / 1000} s (${load()}) ==`,
  );
  await sleep(REPLICATION_WINDOW_MS + 1_000);

  const killedAt = await killNode(victim);
  const expiries = await leaseExpiries(c.nodes[0]!.orch.db, victim.name, killedAt);
  // Half through each survivor's gateway, all at once: every instance's clock starts at the kill.
  const probes = await Promise.all(lost.map((p, i) => timeToHealthy(survivors[i % survivors.length]!.client, p.sub, killedAt)));
  await reportFailover(c, lost, probes, expiries, records);
}

async function reportFailover(c: Cluster, lost: { id: string; sub: string }[], probes: Probe[], expiries: number[], records: number): Promise<void> {
  const back = probes.flatMap((p) => (p.ms === undefined ? [] : [p.ms]));
  const seen = new Map<string, number>();
  for (const p of probes) for (const [k, v] of p.seen) seen.set(k, (seen.get(k) ?? 0) + v);
  console.log(`leases expired ${ms(Math.min(...expiries) / 1000)}–${ms(Math.max(...expiries) / 1000)} s after the kill (renewed every TTL/4)`);
  summarize("kill → first 200 through a survivor", back);
  const [p50, p90, max] = [percentile(back, 50), percentile(back, 90), Math.max(...back)];
  const vsTtl = (v: number) => `TTL ${v < TTL_MS ? "−" : "+"} ${ms(Math.abs(v - TTL_MS))} ms (${(v / TTL_MS).toFixed(2)}x TTL)`;
  console.log(
    `failover n=${back.length}/${lost.length}: p50 ${vsTtl(p50)}, p90 ${vsTtl(p90)}, max ${vsTtl(max)}` +
      (back.length < lost.length ? `; NOT BACK within ${FAILOVER_CAP_MS / 1000} s: ${lost.length - back.length}` : ""),
  );
  const expiry = percentile(expiries, 50);
  console.log(`after the leases expired (restore + start + routing): p50 ${ms(p50 - expiry)} ms, p90 ${ms(p90 - expiry)} ms, max ${ms(max - expiry)} ms`);
  console.log(`answers before the 200: ${[...seen].map(([k, v]) => `${k} ×${v}`).join(", ") || "none"}`);
  const where = new Map<string, number>();
  let missing = 0;
  for (const { id, sub } of lost) {
    const holder = await holderOf(c.nodes[0]!.orch.db, id).catch(() => "nobody");
    where.set(holder, (where.get(holder) ?? 0) + 1);
    const res = await c.nodes[0]!.client.fetch(c.nodes[0]!.client.url(sub, "/api/collections/notes/records"));
    const total = res.status === 200 ? ((await res.json()) as { totalItems: number }).totalItems : 0;
    missing += records - total;
  }
  console.log(`re-placed on: ${[...where].map(([n, k]) => `${n} ${k}`).join(", ")}; records missing afterwards: ${missing}; ${load()}`);
}

async function run(c: Cluster): Promise<void> {
  await waitFor("three live nodes", async () => ((await liveNodes(c)) === 3 ? true : undefined), { timeoutMs: 30_000 });
  console.log(`node ${process.version}, ${os.cpus().length} CPUs shared by 3 orchestrators, sqld, versitygw and the tenants; ${load()}`);
  await placementEvenness(c);
  await forwardingOverhead(c);
  await failover(c); // last: it kills a node
}

const shared = clusterSecrets();
const sqld = await startSqld();
try {
  const s3 = await startS3Server();
  const nodes: Node[] = [];
  try {
    for (const name of ["node-a", "node-b", "node-c"]) nodes.push(await startNode(name, sqld, s3, shared));
    await run({ nodes, token: shared.ORCHESTRATOR_TOKEN });
  } finally {
    for (const node of nodes) {
      await node.client.close();
      await node.orch.dispose().catch((err: unknown) => console.error(`dispose of ${node.name} failed:`, err));
    }
    await s3.dispose();
  }
} finally {
  await sqld.dispose();
}
