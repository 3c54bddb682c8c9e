import { randomBytes } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { instances, users } from "../../lib/db/schema";
import { openTempDb, type TempDb } from "../../lib/db/temp-db";
import { createEventBus } from "../instances/event-bus";
import { createInstanceStore } from "../instances/instance-store";
import { createClusterStore, type NodeInfo } from "./cluster-store";

const TTL_MS = 300;

describe("cluster store (nodes and leases in the control DB)", () => {
  let temp: TempDb;
  beforeAll(async () => {
    temp = await openTempDb();
  });
  afterAll(() => temp.dispose());

  const info = (nodeId: string, incarnation: string): NodeInfo => ({
    nodeId,
    incarnation,
    host: `host-${nodeId}`,
    gatewayUrl: `http://127.0.0.1:1`,
    apiUrl: `http://127.0.0.1:2`,
    capacity: 10,
    running: 0,
    version: "test",
    draining: false,
    startedAt: new Date(),
  });

  async function newInstance(): Promise<string> {
    const ownerId = randomBytes(6).toString("hex");
    await temp.db.insert(users).values({ id: ownerId, name: "u", email: `${ownerId}@example.com`, passwordHash: "x" });
    const id = randomBytes(6).toString("hex");
    await temp.db.insert(instances).values({ id, ownerId, name: "n", subdomain: id, superuserEmail: "s@x", superuserPasswordEnc: "x" });
    return id;
  }

  it("lets one node hold a lease; another takes it over only once it expired, with the next generation", async () => {
    const a = createClusterStore(temp.db, { nodeId: "a", incarnation: "a1" }, TTL_MS);
    const b = createClusterStore(temp.db, { nodeId: "b", incarnation: "b1" }, TTL_MS);
    const id = await newInstance();

    expect(await a.acquire(id, false)).toEqual({ generation: 1, previousNode: null, lineage: 0, previousLineage: 0 });
    expect(await a.acquire(id, false)).toMatchObject({ generation: 1, previousNode: "a", lineage: 0 }); // renewing one's own keeps the generation
    expect(await b.acquire(id, true)).toBeNull(); // unexpired: not even a take-over gets it
    expect(await a.holder(id)).toMatchObject({ nodeId: "a", generation: 1, live: true });
    expect(await a.holds(id, 1)).toBe(true);

    await sleep(TTL_MS + 50);
    expect(await b.acquire(id, false)).toBeNull(); // expired, but a take-over must be asked for
    // Taken over, not released: b replicates to a lineage of its own, and restores read a's until it has data.
    expect(await b.acquire(id, true)).toEqual({ generation: 2, previousNode: "a", lineage: 2, previousLineage: 0 });
    // The old holder learns it at its next heartbeat, and its writes are refused.
    expect((await a.heartbeat(info("a", "a1"), [id])).has(id)).toBe(false);
    expect(await a.holds(id, 1)).toBe(false);
    await a.release(id); // not its own any more: changes nothing
    expect(await b.holder(id)).toMatchObject({ nodeId: "b", generation: 2, live: true });
    expect((await b.heartbeat(info("b", "b1"), [id])).get(id)).toBe(2);
  });

  it("fences snapshots: a node that lost the lease gets no generation number and records nothing, and numbers are never handed out twice", async () => {
    const store = createInstanceStore({ db: temp.db, bus: createEventBus() });
    const a = createClusterStore(temp.db, { nodeId: "a", incarnation: "a1" }, TTL_MS);
    const b = createClusterStore(temp.db, { nodeId: "b", incarnation: "b1" }, TTL_MS);
    const id = await newInstance();
    const snapshot = (generation: number) => ({ generation, manifestKey: `k/${generation}`, sizeBytes: 10 * generation, reason: "schedule" as const });

    expect(await a.acquire(id, false)).toMatchObject({ generation: 1 });
    const aFence = a.leaseCondition(id, 1);
    expect(await store.reserveGeneration(id, 0, aFence)).toBe(1);
    expect(await store.recordSnapshot(id, snapshot(1), aFence)).toMatchObject({ generation: 1, storageBytes: 10 });
    // a starts its next upload (number 2), then stalls past its lease; b takes over.
    expect(await store.reserveGeneration(id, 1, aFence)).toBe(2);
    await sleep(TTL_MS + 50);
    expect(await b.acquire(id, true)).toMatchObject({ generation: 2 });
    const bFence = b.leaseCondition(id, 2);
    // b's uploads never share a number with a's, even one a never recorded…
    expect(await store.reserveGeneration(id, 0, bFence)).toBe(3);
    expect(await store.recordSnapshot(id, snapshot(3), bFence)).toMatchObject({ generation: 3, storageBytes: 30 });
    // …and a, awake again, can neither record the upload it finished nor reserve another number.
    expect(await store.recordSnapshot(id, snapshot(2), aFence)).toBeNull();
    expect(await store.reserveGeneration(id, 5, aFence)).toBeNull();
    expect((await store.get(id)).generation).toBe(3);
    expect((await store.listSnapshots(id)).map((s) => s.generation)).toEqual([3, 1]);
    // A number this host used but never recorded is skipped too.
    expect(await store.reserveGeneration(id, 7, bFence)).toBe(8);
    // Uploads confirming out of order never move the generation back.
    expect(await store.recordSnapshot(id, snapshot(8), bFence)).toMatchObject({ generation: 8, storageBytes: 80 });
    expect(await store.recordSnapshot(id, snapshot(4), bFence)).toMatchObject({ generation: 8, storageBytes: 80 });
    expect((await store.listSnapshots(id)).map((s) => s.generation)).toEqual([8, 4, 3, 1]);
  });

  it("names the local copies a node will never start from: ones another node held since", async () => {
    const a = createClusterStore(temp.db, { nodeId: "a", incarnation: "a1" }, TTL_MS);
    const b = createClusterStore(temp.db, { nodeId: "b", incarnation: "b1" }, TTL_MS);
    const [ranHere, movedAway, neverLeased] = [await newInstance(), await newInstance(), await newInstance()];
    await a.acquire(ranHere, false);
    await a.release(ranHere); // a ran it last: its copy is the newest
    await a.acquire(movedAway, false);
    await a.release(movedAway);
    await b.acquire(movedAway, false); // b runs it now
    const ids = [ranHere, movedAway, neverLeased, "unknowninstance"];
    expect(await a.supersededCopies(ids)).toEqual([movedAway]);
    expect(await b.supersededCopies(ids)).toEqual([ranHere]);
    expect(await a.supersededCopies([])).toEqual([]);
  });

  it("forgets a node silent past the retention that holds no lease, and keeps one that still does", async () => {
    const forgetful = { forgetDeadAfterMs: 200 };
    const a = createClusterStore(temp.db, { nodeId: "fa", incarnation: "fa1" }, TTL_MS, forgetful);
    const gone = createClusterStore(temp.db, { nodeId: "fgone", incarnation: "g1" }, TTL_MS, forgetful);
    const holding = createClusterStore(temp.db, { nodeId: "fholding", incarnation: "h1" }, TTL_MS, forgetful);
    await gone.heartbeat(info("fgone", "g1"), []);
    const id = await newInstance();
    await holding.acquire(id, false);
    await holding.heartbeat(info("fholding", "h1"), [id]);
    await a.heartbeat(info("fa", "fa1"), []);
    const ids = async () => (await a.nodes()).map((n) => n.id).filter((n) => n.startsWith("f"));
    expect((await ids()).sort()).toEqual(["fa", "fgone", "fholding"]);
    await sleep(300);
    await a.heartbeat(info("fa", "fa1"), []);
    expect((await ids()).sort()).toEqual(["fa", "fholding"]); // its lease (expired, nobody took it) keeps its row
  });

  it("releases keep the generation, and a restarted node resumes its own leases under a new generation", async () => {
    const a1 = createClusterStore(temp.db, { nodeId: "a", incarnation: "first" }, TTL_MS);
    const a2 = createClusterStore(temp.db, { nodeId: "a", incarnation: "second" }, TTL_MS);
    const b = createClusterStore(temp.db, { nodeId: "b", incarnation: "b1" }, TTL_MS);
    const id = await newInstance();
    expect((await a1.acquire(id, false))?.generation).toBe(1);
    await a1.release(id);
    expect(await a1.holder(id)).toBeNull();
    // The last holder is remembered past the release: node a's local copy is not the newest once b ran it.
    // Released cleanly: the next holder goes on in the same replica lineage.
    expect(await b.acquire(id, false)).toEqual({ generation: 2, previousNode: "a", lineage: 0, previousLineage: 0 });
    await b.release(id);
    expect(await a1.acquire(id, false)).toEqual({ generation: 3, previousNode: "b", lineage: 0, previousLineage: 0 });
    // Same node id, new process: its own, unexpired or not, but its old process may still replicate: a new lineage.
    expect(await a2.acquire(id, false)).toEqual({ generation: 4, previousNode: "a", lineage: 4, previousLineage: 0 });
    expect((await a1.heartbeat(info("a", "first"), [id])).has(id)).toBe(false);

    // Taken over again before a2's lineage got data (never settled): reads still fall back to lineage 0.
    await sleep(TTL_MS + 50);
    expect(await b.acquire(id, true)).toEqual({ generation: 5, previousNode: "a", lineage: 5, previousLineage: 0 });
    expect(await a2.settleLineage(id, 4, 4)).toBe(false); // a2 lost it: its lineage is never settled, so lineage 0 is never dropped
    expect(await b.settleLineage(id, 5, 5)).toBe(true);
    expect(await b.lineages(id)).toEqual({ lineage: 5, previousLineage: 5 });
  });

  it("renews only the leases the process still uses: one it gave up expires", async () => {
    const d = createClusterStore(temp.db, { nodeId: "d", incarnation: "d1" }, TTL_MS);
    const [kept, dropped] = [await newInstance(), await newInstance()];
    await d.acquire(kept, false);
    await d.acquire(dropped, false);
    await sleep(TTL_MS / 2);
    expect([...(await d.heartbeat(info("d", "d1"), [kept])).keys()]).toEqual([kept]);
    await sleep(TTL_MS / 2 + 50);
    expect(await d.holder(kept)).toMatchObject({ live: true });
    expect(await d.holder(dropped)).toMatchObject({ live: false });
  });

  it("tells a restarted node it was draining, and names another host that runs under the same id", async () => {
    const e1 = createClusterStore(temp.db, { nodeId: "e", incarnation: "e1" }, TTL_MS);
    const e2 = createClusterStore(temp.db, { nodeId: "e", incarnation: "e2" }, TTL_MS);
    expect(await e1.ownRow("host-e")).toBeNull();
    await e1.heartbeat({ ...info("e", "e1"), draining: true }, []);
    expect(await e2.ownRow("host-e")).toEqual({ draining: true, liveElsewhere: null }); // its own earlier process
    expect(await e2.ownRow("elsewhere")).toEqual({ draining: true, liveElsewhere: "host-e" });
  });

  it("lists nodes with their live leases, and a node that stopped heartbeating as dead", async () => {
    const c = createClusterStore(temp.db, { nodeId: "c", incarnation: "c1" }, TTL_MS);
    const id = await newInstance();
    await c.heartbeat(info("c", "c1"), []);
    await c.acquire(id, false);
    const seen = (await c.nodes()).find((n) => n.id === "c");
    expect(seen).toMatchObject({ live: true, leases: 1, capacity: 10, draining: false });
    await sleep(TTL_MS + 50);
    expect((await c.nodes()).find((n) => n.id === "c")).toMatchObject({ live: false, leases: 0 });
    await c.leave();
    expect((await c.nodes()).find((n) => n.id === "c")).toBeUndefined();
  });
});
