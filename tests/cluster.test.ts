import { randomBytes } from "node:crypto";
import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import { ListObjectsV2Command } from "@aws-sdk/client-s3";
import { eq } from "drizzle-orm";
import { execa } from "execa";
import type PocketBase from "pocketbase";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { leases } from "../lib/db/schema";
import { createOrchestratorClient, readOrchestratorEvents, type OrchestratorMessage } from "../lib/orchestrator-client";
import { clusterSecrets, loseHost, pocketBasesOf, startClusterNode, type ClusterNode } from "./support/cluster";
import { printLogsOnFailure } from "./support/failure-logs";
import { startOrchestrator } from "./support/orchestrator";
import { startS3Server, type S3Server } from "./support/s3-server";
import { startSqld, type Sqld } from "./support/sqld";
import { repoRoot } from "./support/tools";
import { waitFor } from "./support/wait";

/** Short enough to keep the suite quick; docs/scale-out.md and the failover benchmark use the default (10 s). */
const TTL_SECONDS = 4;
/** The host-loss window continuous replication promises (see replication.test.ts). */
const WINDOW_MS = 2_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

type Node = ClusterNode;

/**
 * Three orchestrators on one libSQL server (sqld) and one S3 server, all on loopback: placement,
 * routing between nodes, failover after kill -9, and fencing of a node that was frozen past its leases.
 */
describe("several nodes on one control DB and one object store", () => {
  let sqld: Sqld;
  let s3: S3Server;
  const nodes: Node[] = [];
  const shared = clusterSecrets();
  printLogsOnFailure(() => nodes.map((node) => ({ name: node.name, file: node.orch.logFile })));

  const startNode = (name: string): Promise<Node> =>
    startClusterNode(name, { sqld, s3, shared, env: { NODE_TTL_SECONDS: String(TTL_SECONDS), RECONCILE_INTERVAL_SECONDS: "1" } });

  beforeAll(async () => {
    sqld = await startSqld();
    s3 = await startS3Server();
    for (const name of ["node-a", "node-b", "node-c"]) nodes.push(await startNode(name));
    // Every node has seen the other two (a heartbeat is a quarter of the TTL).
    await waitFor("three live nodes", async () => {
      const res = await fetch(`${nodes[0]!.orch.apiUrl}/v1/cluster/nodes`, { headers: { authorization: `Bearer ${shared.ORCHESTRATOR_TOKEN}` } });
      const body = (await res.json()) as { nodes: { live: boolean }[] };
      return body.nodes.filter((n) => n.live).length === 3 ? true : undefined;
    });
  });
  afterAll(async () => {
    // All at once, and each whatever another's failure: a node left running keeps its volumes mounted.
    const results = await Promise.allSettled(nodes.flatMap((node) => [node.client.close(), node.orch.dispose()]));
    await s3?.dispose();
    await sqld?.dispose();
    const failed = results.find((result) => result.status === "rejected");
    if (failed) throw failed.reason;
  });

  const a = () => nodes[0]!;
  const holderOf = async (id: string) => (await a().orch.db.select().from(leases).where(eq(leases.instanceId, id)))[0];
  const nodeNamed = (name: string | null | undefined) => nodes.find((n) => n.name === name);

  /** Starts the instance again (placement decides where), writes a note through that node, and returns the node. */
  async function placedRun(id: string, sub: string, text: string): Promise<Node> {
    const started = await a().orch.api("POST", `/v1/instances/${id}/start?wait=1`);
    expect(started.body.instance?.status, JSON.stringify(started.body)).toBe("running");
    const node = nodeNamed((await holderOf(id))?.nodeId)!;
    const res = await node.client.fetch(node.client.url(sub, "/api/collections/notes/records"), {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ text }),
    });
    const body = await res.text();
    expect(res.status, `through ${node.name}: ${body}`).toBe(200);
    await sleep(WINDOW_MS); // replicated: older than the window the design promises
    return node;
  }

  /** Every object under `prefix` in the shared S3 bucket, as `key etag` (an object written again shows a new ETag). */
  async function listKeys(prefix: string): Promise<string[]> {
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const page = await s3.client().send(new ListObjectsV2Command({ Bucket: s3.bucket, Prefix: prefix, ContinuationToken: token }));
      keys.push(...(page.Contents ?? []).map((o) => `${o.Key ?? ""} ${o.ETag ?? ""} ${o.Size ?? 0}`));
      token = page.NextContinuationToken;
    } while (token);
    return keys.sort();
  }

  /** Creates and starts an instance through node A's API (placement decides where it runs), signed in as its superuser through `via`. */
  async function placedInstance(sub: string, via: Node): Promise<{ id: string; pb: PocketBase }> {
    const id = await a().orch.createInstance(sub);
    const started = await a().orch.api("POST", `/v1/instances/${id}/start?wait=1`);
    expect(started.status, JSON.stringify(started.body)).toBe(200);
    expect(started.body.instance?.status).toBe("running");
    const su = await a().orch.superuser(id);
    const pb = via.client.pocketBase(sub);
    await pb.collection("_superusers").authWithPassword(su.email, su.password);
    return { id, pb };
  }

  it("spreads instances over the nodes, and any node's gateway serves any of them: records, files and realtime", async () => {
    const placed: { id: string; sub: string }[] = [];
    for (let i = 0; i < 6; i++) {
      const sub = `spread-${i}-${randomBytes(2).toString("hex")}`;
      placed.push({ id: (await placedInstance(sub, a())).id, sub });
    }
    const perNode = new Map<string, number>();
    for (const { id } of placed) {
      const lease = await holderOf(id);
      expect(lease?.nodeId).toBeTruthy();
      perNode.set(lease!.nodeId!, (perNode.get(lease!.nodeId!) ?? 0) + 1);
    }
    expect([...perNode.values()].sort()).toEqual([2, 2, 2]);

    // One instance, reached through each node's gateway: only one of them runs it.
    const { id, sub } = placed[0]!;
    const owner = nodeNamed((await holderOf(id))?.nodeId);
    const others = nodes.filter((n) => n !== owner);
    expect(pocketBasesOf(owner!.orch).length).toBeGreaterThan(0);
    const su = await a().orch.superuser(id);
    const writer = others[0]!.client.pocketBase(sub);
    await writer.collection("_superusers").authWithPassword(su.email, su.password);
    await writer.collections.create({
      name: "notes",
      type: "base",
      listRule: "",
      viewRule: "",
      createRule: "",
      fields: [
        { name: "text", type: "text" },
        { name: "file", type: "file", maxSelect: 1, maxSize: 5_000_000 },
      ],
    });

    // Realtime through the other non-owner, a record (with a file) written through the first one.
    const reader = others[1]!.client.pocketBase(sub);
    const restore = others[1]!.client.installEventSource();
    try {
      const events: string[] = [];
      const unsubscribe = await reader.collection("notes").subscribe("*", (e) => events.push(`${e.action}:${e.record.text as string}`));
      const form = new FormData();
      form.append("text", "hello from another node");
      form.append("file", new Blob([randomBytes(300_000)]), "blob.bin");
      const created = await writer.collection("notes").create(form);
      await waitFor("the realtime event through another node", async () => (events.includes("create:hello from another node") ? true : undefined));
      await unsubscribe();
      const file = await others[1]!.client.fetch(others[1]!.client.url(sub, `/api/files/notes/${created.id}/${created.file as string}`));
      expect(file.status).toBe(200);
      expect((await file.arrayBuffer()).byteLength).toBe(300_000);
    } finally {
      restore();
    }
    for (const node of nodes) {
      const res = await node.client.fetch(node.client.url(sub, "/api/collections/notes/records"));
      expect(res.status).toBe(200);
      expect(((await res.json()) as { totalItems: number }).totalItems).toBe(1);
    }
  });

  it("streams every node's instance changes from any node's event stream (the dashboard talks to one)", async () => {
    const abort = new AbortController();
    const seen: OrchestratorMessage[] = [];
    const client = createOrchestratorClient({ baseUrl: a().orch.apiUrl, token: shared.ORCHESTRATOR_TOKEN });
    const reading = (async () => {
      for await (const m of readOrchestratorEvents(await client.events(abort.signal))) seen.push(m);
    })().catch(() => undefined);
    try {
      await sleep(2_500); // node A follows its peers' streams
      // Started through another node's API on a node other than A: every change happens (and is published) there.
      const other = nodes.find((n) => n !== a())!;
      let id = "";
      let runsOn: string | null | undefined;
      for (let attempt = 0; attempt < 10 && (!runsOn || runsOn === a().name); attempt++) {
        id = await other.orch.createInstance(`events-${randomBytes(3).toString("hex")}`);
        const started = await other.orch.api("POST", `/v1/instances/${id}/start?wait=1`);
        expect(started.body.instance?.status).toBe("running");
        runsOn = (await holderOf(id))?.nodeId;
      }
      await waitFor("node A to relay the start", () =>
        seen.some((m) => m.type === "instance" && m.instance.id === id && m.instance.status === "running") ? true : undefined,
      );
      await waitFor("node A to relay the lifecycle events", () =>
        seen.some((m) => m.type === "instance-event" && m.event.instanceId === id) ? true : undefined,
      );
      expect(runsOn).not.toBe(a().name);
      // Each change arrives once, from the node that made it.
      const runningUpdates = seen.filter((m) => m.type === "instance" && m.instance.id === id && m.instance.status === "running");
      expect(runningUpdates.length).toBeLessThanOrEqual(2);
    } finally {
      abort.abort();
      await reading;
    }
  });

  it("moves a killed node's instances to the others within 15 s, with every write acknowledged before the replication window", async () => {
    const sub = `failover-${randomBytes(3).toString("hex")}`;
    const { id } = await placedInstance(sub, a());
    const victim = nodeNamed((await holderOf(id))?.nodeId)!;
    const survivor = nodes.find((n) => n !== victim)!;
    const su = await a().orch.superuser(id);
    const pb = survivor.client.pocketBase(sub);
    await pb.collection("_superusers").authWithPassword(su.email, su.password);
    await pb.collections.create({ name: "ticks", type: "base", fields: [{ name: "n", type: "number" }] });
    const acked: { n: number; at: number }[] = [];
    for (let n = 0; n < 40; n++) {
      await pb.collection("ticks").create({ n });
      acked.push({ n, at: Date.now() });
    }
    await sleep(WINDOW_MS);

    const killedAt = Date.now();
    await loseHost(victim);

    await waitFor(
      "the instance through a surviving node",
      async () => {
        const res = await survivor.client.fetch(survivor.client.url(sub, "/api/health"), { signal: AbortSignal.timeout(3_000) });
        return res.status === 200 ? true : undefined;
      },
      { timeoutMs: 20_000, intervalMs: 200 },
    );
    const tookMs = Date.now() - killedAt;
    expect(tookMs).toBeLessThan(15_000);
    const lease = await holderOf(id);
    expect(lease?.nodeId).not.toBe(victim.name);
    const rows = await pb.collection("ticks").getFullList({ fields: "n" });
    const present = new Set(rows.map((r) => r.n as number));
    const missing = acked.filter((w) => w.at < killedAt - WINDOW_MS && !present.has(w.n));
    expect(missing).toEqual([]);

    // The killed node comes back on its data folder and takes work again.
    await victim.orch.restart();
    await waitFor("the restarted node's heartbeat", async () => {
      const res = await fetch(`${victim.orch.apiUrl}/v1/cluster/nodes`, { headers: { authorization: `Bearer ${shared.ORCHESTRATOR_TOKEN}` } });
      const body = (await res.json()) as { nodes: { id: string; live: boolean }[] };
      return body.nodes.filter((n) => n.live).length === 3 ? true : undefined;
    });
  });

  it("fences a node frozen past its leases: it stops its stale copies and writes nothing for them", async () => {
    const sub = `fence-${randomBytes(3).toString("hex")}`;
    const { id, pb } = await placedInstance(sub, a());
    await pb.collections.create({ name: "notes", type: "base", listRule: "", createRule: "", fields: [{ name: "text", type: "text" }] });
    await pb.collection("notes").create({ text: "before the freeze" });
    const frozen = nodeNamed((await holderOf(id))?.nodeId)!;
    const other = nodes.find((n) => n !== frozen)!;
    const before = await holderOf(id);
    const staleProcesses = pocketBasesOf(frozen.orch);
    expect(staleProcesses.length).toBeGreaterThan(0);

    process.kill(frozen.orch.pid!, "SIGSTOP");
    try {
      // Through another node the instance moves once the frozen node's lease expired.
      await waitFor(
        "the instance on another node",
        async () => {
          // A request that reached the frozen node's gateway just before its lease expired waits for it: a client retries.
          const res = await other.client.fetch(other.client.url(sub, "/api/collections/notes/records"), { signal: AbortSignal.timeout(3_000) });
          return res.status === 200 ? true : undefined;
        },
        { timeoutMs: 30_000, intervalMs: 250 },
      );
      const taken = await holderOf(id);
      expect(taken?.nodeId).not.toBe(frozen.name);
      expect(taken!.generation).toBeGreaterThan(before!.generation);
      await other.client.fetch(other.client.url(sub, "/api/collections/notes/records"), {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ text: "written while the old node was frozen" }),
      });
    } finally {
      process.kill(frozen.orch.pid!, "SIGCONT");
    }

    // Thawed, the old node answers for the instance from the new holder, never from its stale copy…
    const res = await frozen.client.fetch(frozen.client.url(sub, "/api/collections/notes/records"));
    expect(res.status).toBe(200);
    const texts = ((await res.json()) as { items: { text: string }[] }).items.map((r) => r.text);
    expect(texts).toContain("written while the old node was frozen");
    // …and its stale PocketBase stops, while the lease stays with the new holder.
    await waitFor("the stale copy to stop", async () => (pocketBasesOf(frozen.orch).some((p) => staleProcesses.includes(p)) ? undefined : true), {
      timeoutMs: 15_000,
    });
    const after = await holderOf(id);
    expect(after?.nodeId).not.toBe(frozen.name);
    // Its status was not rewritten by the old node: the instance still runs.
    const instance = await a().orch.api("GET", `/v1/instances/${id}`);
    expect(instance.body.instance?.status).toBe("running");
  });

  it("keeps a frozen node's replication out of the new holder's replica: the tenant's own writes there are never restored", async () => {
    const sub = `lineage-${randomBytes(3).toString("hex")}`;
    const { id, pb } = await placedInstance(sub, a());
    await pb.collections.create({ name: "notes", type: "base", listRule: "", createRule: "", fields: [{ name: "text", type: "text" }] });
    await pb.collection("notes").create({ text: "before the freeze" });
    await sleep(WINDOW_MS);
    const frozen = nodeNamed((await holderOf(id))?.nodeId)!;
    const entry = nodes.find((n) => n !== frozen)!;

    process.kill(frozen.orch.pid!, "SIGSTOP");
    let holder: Node;
    try {
      await waitFor(
        "the instance on another node",
        async () => {
          const res = await entry.client.fetch(entry.client.url(sub, "/api/health"), { signal: AbortSignal.timeout(3_000) });
          return res.status === 200 ? true : undefined;
        },
        { timeoutMs: 30_000, intervalMs: 250 },
      );
      holder = nodeNamed((await holderOf(id))?.nodeId)!;
      for (const text of ["new holder 1", "new holder 2", "new holder 3"]) {
        const res = await entry.client.fetch(entry.client.url(sub, "/api/collections/notes/records"), {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ text }),
        });
        expect(res.status).toBe(200);
      }
      await sleep(WINDOW_MS);
      // The replica the new holder writes, as it is now; the new holder writes nothing more from here on.
      const lineage = (await holderOf(id))!.lineage;
      const replicaKeys = () => listKeys(`tenants/${id}/${lineage === 0 ? "litestream" : `litestream-${lineage}`}/`);
      const before = await replicaKeys();
      expect(before.length).toBeGreaterThan(0);
      // Meanwhile the tenant's own code on the frozen node writes (its PocketBase and Litestream run on).
      const stale = await execa(
        "sqlite3",
        // Waits for PocketBase's own writes (the CLI gives up at once on a locked database otherwise).
        [
          "-cmd",
          ".timeout 5000",
          path.join(frozen.orch.tenantDir(id), "pb_data", "data.db"),
          "INSERT INTO notes (id, text) VALUES ('stalewrite00001', 'stale');",
        ],
        {
          reject: false,
        },
      );
      expect(stale.exitCode, stale.stderr).toBe(0);
      await sleep(WINDOW_MS); // its Litestream ships it…
      process.kill(frozen.orch.pid!, "SIGCONT");
      await sleep(WINDOW_MS); // …and so does its final sync once the thawed node gives the lease up
      // …but never into the new holder's replica.
      expect(await replicaKeys()).toEqual(before);
    } finally {
      process.kill(frozen.orch.pid!, "SIGCONT");
    }

    // The new holder is lost with its host: whoever restores next reads the new holder's replica.
    await loseHost(holder);
    const reader = nodes.find((n) => n !== holder && n !== frozen) ?? frozen;
    try {
      const texts = await waitFor(
        "the instance after a second failover",
        async () => {
          const res = await reader.client.fetch(reader.client.url(sub, "/api/collections/notes/records?perPage=50"), { signal: AbortSignal.timeout(3_000) });
          return res.status === 200 ? ((await res.json()) as { items: { text: string }[] }).items.map((r) => r.text) : undefined;
        },
        { timeoutMs: 40_000, intervalMs: 250 },
      );
      expect(texts.sort()).toEqual(["before the freeze", "new holder 1", "new holder 2", "new holder 3"]);
    } finally {
      await holder.orch.restart();
    }
  });

  it("never starts an instance from a node's old local copy once another node ran it (and died with its newest writes)", async () => {
    const sub = `stale-${randomBytes(3).toString("hex")}`;
    const { id, pb } = await placedInstance(sub, a());
    await pb.collections.create({ name: "notes", type: "base", listRule: "", createRule: "", fields: [{ name: "text", type: "text" }] });
    await pb.collection("notes").create({ text: "first run" });
    const first = nodeNamed((await holderOf(id))?.nodeId)!;
    expect((await a().orch.api("POST", `/v1/instances/${id}/stop?wait=1`)).status).toBe(200); // its copy stays on `first`

    // The next run lands elsewhere (`first` drains meanwhile), writes, and that node is lost with the host.
    await first.orch.api("POST", "/v1/cluster/drain?wait=1");
    let second: Node;
    try {
      second = await placedRun(id, sub, "second run");
      await loseHost(second);
    } finally {
      await first.orch.api("DELETE", "/v1/cluster/drain");
    }

    // Only `first` can take it now (the other survivor drains): it must restore, not reuse its own copy.
    const third = nodes.find((n) => n !== first && n !== second)!;
    await third.orch.api("POST", "/v1/cluster/drain?wait=1");
    try {
      const texts = await waitFor(
        "the instance back on the first node",
        async () => {
          const res = await first.client.fetch(first.client.url(sub, "/api/collections/notes/records"), { signal: AbortSignal.timeout(3_000) });
          return res.status === 200 ? ((await res.json()) as { items: { text: string }[] }).items.map((r) => r.text) : undefined;
        },
        { timeoutMs: 30_000, intervalMs: 250 },
      );
      expect((await holderOf(id))?.nodeId).toBe(first.name);
      expect(texts.sort()).toEqual(["first run", "second run"]);
    } finally {
      await third.orch.api("DELETE", "/v1/cluster/drain");
      await second.orch.restart();
    }
  });

  it("drains a node under load: clients writing continuously see no failed request while its instances move", async () => {
    const sub = `drain-${randomBytes(3).toString("hex")}`;
    const { id, pb } = await placedInstance(sub, a());
    await pb.collections.create({ name: "ticks", type: "base", fields: [{ name: "n", type: "number" }] });
    const drained = nodeNamed((await holderOf(id))?.nodeId)!;
    const su = await a().orch.superuser(id);

    // One writer through the node being drained, one through another node's gateway.
    const writers = await Promise.all(
      [drained, nodes.find((n) => n !== drained)!].map(async (node, w) => {
        const client = node.client.pocketBase(sub);
        await client.collection("_superusers").authWithPassword(su.email, su.password);
        const state = { acked: [] as number[], failures: [] as string[], running: true };
        const done = (async () => {
          for (let n = w * 100_000; state.running; n++) {
            try {
              await client.collection("ticks").create({ n });
              state.acked.push(n);
            } catch (err) {
              state.failures.push(String(err));
            }
            await sleep(20);
          }
        })();
        return { state, done };
      }),
    );
    await sleep(500);

    // The operator's command, as on a real host: it prints the progress and returns once the node is empty.
    const cli = await execa("node", ["--import", "tsx", path.join(repoRoot, "scripts/node.ts"), "drain", "--api", drained.orch.apiUrl], {
      cwd: repoRoot,
      env: { ORCHESTRATOR_TOKEN: shared.ORCHESTRATOR_TOKEN, DATA_DIR: drained.orch.dataDir },
      reject: false,
    });
    expect(cli.exitCode, `${cli.stdout}\n${cli.stderr}`).toBe(0); // a failed move is named in the progress it prints
    expect(cli.stdout).toMatch(/draining; moved 1 of 1, 0 still here/);
    await sleep(500);
    for (const w of writers) w.state.running = false;
    await Promise.all(writers.map((w) => w.done));

    for (const w of writers) {
      expect(w.state.failures).toEqual([]);
      expect(w.state.acked.length).toBeGreaterThan(10);
    }
    const moved = await holderOf(id);
    expect(moved?.nodeId).not.toBe(drained.name);
    expect(fs.existsSync(drained.orch.tenantRoot(id))).toBe(false); // its copy there, volume and all, is gone
    const present = new Set((await pb.collection("ticks").getFullList({ fields: "n" })).map((r) => r.n as number));
    expect(writers.flatMap((w) => w.state.acked).filter((n) => !present.has(n))).toEqual([]);

    // Drained, it takes no new instance; undrained, it does again.
    const status = await execa("node", ["--import", "tsx", path.join(repoRoot, "scripts/node.ts"), "status", "--api", drained.orch.apiUrl], {
      cwd: repoRoot,
      env: { ORCHESTRATOR_TOKEN: shared.ORCHESTRATOR_TOKEN, DATA_DIR: drained.orch.dataDir },
    });
    expect(status.stdout).toMatch(new RegExp(`\\* ${drained.name}\\s+draining`));
    const undrain = await execa("node", ["--import", "tsx", path.join(repoRoot, "scripts/node.ts"), "undrain", "--api", drained.orch.apiUrl], {
      cwd: repoRoot,
      env: { ORCHESTRATOR_TOKEN: shared.ORCHESTRATOR_TOKEN, DATA_DIR: drained.orch.dataDir },
    });
    expect(undrain.stdout).toMatch(/taking instances/);
  });

  it("keeps running instances serving through a control-DB outage, fails new placements clearly, and loses nothing", async () => {
    const sub = `outage-${randomBytes(3).toString("hex")}`;
    const { id, pb } = await placedInstance(sub, a());
    await pb.collections.create({ name: "notes", type: "base", listRule: "", createRule: "", fields: [{ name: "text", type: "text" }] });
    const before = await holderOf(id);
    // A second instance that ran once and was stopped: its name is known to every gateway, but it runs nowhere.
    const idleSub = `outage-idle-${randomBytes(3).toString("hex")}`;
    const { id: idleId } = await placedInstance(idleSub, a());
    expect((await a().orch.api("POST", `/v1/instances/${idleId}/stop?wait=1`)).status).toBe(200);
    for (const node of nodes) {
      expect((await node.client.fetch(node.client.url(sub, "/api/health"))).status).toBe(200);
      expect((await node.client.fetch(node.client.url(idleSub, "/api/health"))).status).toBe(200); // wakes it…
    }
    expect((await a().orch.api("POST", `/v1/instances/${idleId}/stop?wait=1`)).status).toBe(200); // …and stopped again

    await sqld.stop();
    try {
      await sleep(2 * TTL_SECONDS * 1000); // past every lease's deadline, were it not for the outage rule
      for (const [i, node] of nodes.entries()) {
        const res = await node.client.fetch(node.client.url(sub, "/api/collections/notes/records"), {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ text: `during the outage, through ${node.name}` }),
          signal: AbortSignal.timeout(10_000),
        });
        expect(res.status, `write ${i} through ${node.name}`).toBe(200);
      }
      const started = Date.now();
      const refused = await a().client.fetch(a().client.url(idleSub, "/api/health"), { signal: AbortSignal.timeout(20_000) });
      expect(refused.status).toBe(503);
      expect(((await refused.json()) as { error: { message: string } }).error.message).toMatch(/database is unreachable|temporarily unavailable/i);
      expect(Date.now() - started).toBeLessThan(15_000);
    } finally {
      await sqld.restart();
    }

    // Back: no failover happened, every write is there, and placements work again.
    await waitFor(
      "the idle instance placed again",
      async () => {
        const res = await a().client.fetch(a().client.url(idleSub, "/api/health"), { signal: AbortSignal.timeout(5_000) });
        return res.status === 200 ? true : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 500 },
    );
    const after = await holderOf(id);
    expect(after).toMatchObject({ nodeId: before!.nodeId, generation: before!.generation });
    // (Right after the DB is back, a request may meet a node whose view of the others is not fresh yet: a client retries.)
    const texts = await waitFor(
      "the records after the outage",
      async () => (await pb.collection("notes").getFullList({ requestKey: null })).map((r) => r.text as string),
      { timeoutMs: 15_000, intervalMs: 250 },
    );
    for (const node of nodes) expect(texts).toContain(`during the outage, through ${node.name}`);
  });

  it("stops a node cut off from the control DB (but not from its peers) serving once its leases lapse, and the others take over", async () => {
    // The cut: node D reaches sqld only through this TCP relay on loopback, which the test closes.
    const sockets = new Set<net.Socket>();
    const relay = net.createServer((client) => {
      const upstream = net.connect(Number(new URL(sqld.url).port), "127.0.0.1");
      for (const s of [client, upstream]) {
        sockets.add(s);
        s.on("error", () => s.destroy());
        s.on("close", () => sockets.delete(s));
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve) => relay.listen(0, "127.0.0.1", resolve));
    const relayPort = (relay.address() as net.AddressInfo).port;
    const cutOff = await startOrchestrator({
      env: {
        ...s3.env,
        ...shared,
        TURSO_DATABASE_URL: `http://127.0.0.1:${relayPort}`,
        NODE_ID: "node-d",
        NODE_CAPACITY: "100000",
        NODE_TTL_SECONDS: String(TTL_SECONDS),
        RECONCILE_INTERVAL_SECONDS: "1",
        IDLE_TIMEOUT_MINUTES: "0",
      },
    });
    try {
      // Node D has by far the most room: the next placement goes to it.
      await waitFor("node D seen by node A", async () => {
        const res = await fetch(`${a().orch.apiUrl}/v1/cluster/nodes`, { headers: { authorization: `Bearer ${shared.ORCHESTRATOR_TOKEN}` } });
        return ((await res.json()) as { nodes: { id: string; live: boolean }[] }).nodes.some((n) => n.id === "node-d" && n.live) ? true : undefined;
      });
      const sub = `cut-${randomBytes(3).toString("hex")}`;
      const { id } = await placedInstance(sub, a());
      const before = await holderOf(id);
      expect(before?.nodeId).toBe("node-d");
      const stale = pocketBasesOf(cutOff);
      expect(stale.length).toBe(1);

      relay.close();
      for (const s of sockets) s.destroy();
      const cutAt = Date.now();

      // The peers still reach the DB, so node D gives its lease up at its deadline and stops its copy…
      await waitFor("node D to stop its copy", async () => (pocketBasesOf(cutOff).length === 0 ? true : undefined), {
        timeoutMs: 4 * TTL_SECONDS * 1000,
      });
      expect(Date.now() - cutAt).toBeLessThan(2 * TTL_SECONDS * 1000);
      // …and the instance answers through another node, under a newer lease.
      await waitFor(
        "the instance on another node",
        async () => {
          const res = await a().client.fetch(a().client.url(sub, "/api/health"), { signal: AbortSignal.timeout(3_000) });
          return res.status === 200 ? true : undefined;
        },
        { timeoutMs: 20_000, intervalMs: 250 },
      );
      const after = await holderOf(id);
      expect(after?.nodeId).not.toBe("node-d");
      expect(after!.generation).toBeGreaterThan(before!.generation);
      expect(fsLog(cutOff.logFile)).toMatch(/leases lost/);
    } finally {
      relay.close();
      await cutOff.dispose();
    }
  });
});

function fsLog(file: string): string {
  return fs.readFileSync(file, "utf8");
}
