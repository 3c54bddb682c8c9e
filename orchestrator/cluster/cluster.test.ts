import { setTimeout as sleep } from "node:timers/promises";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openTempDb, type TempDb } from "../../lib/db/temp-db";
import { createCluster } from "./cluster";
import { createClusterStore, type ClusterStore, type NodeInfo } from "./cluster-store";

const TTL_MS = 4_000;

describe("cluster: a node's draining flag", () => {
  let temp: TempDb;
  beforeAll(async () => {
    temp = await openTempDb();
  });
  afterAll(() => temp.dispose());

  const info = (nodeId: string): NodeInfo => ({
    nodeId,
    incarnation: `${nodeId}-1`,
    host: `host-${nodeId}`,
    gatewayUrl: "http://127.0.0.1:1",
    apiUrl: "http://127.0.0.1:2",
    capacity: 10,
    running: 0,
    version: "test",
    draining: false,
    startedAt: new Date(),
  });

  const node = (nodeId: string, store: ClusterStore) =>
    createCluster({
      store,
      info: () => info(nodeId),
      ttlMs: TTL_MS,
      log: pino({ level: "silent" }),
      onLost: () => undefined,
      askPeer: () => Promise.reject(new Error("no peers here")),
      soleByDesign: true,
    });

  const drainingInDb = async (store: ClusterStore, nodeId: string) => (await store.nodes()).find((n) => n.id === nodeId)?.draining;

  it("is not undone by a heartbeat that was sent before the drain and lands after it", async () => {
    const real = createClusterStore(temp.db, { nodeId: "n1", incarnation: "n1-1" }, TTL_MS);
    // While a gate is set, a heartbeat waits at it before it writes (a slow round trip).
    let gate: { open: Promise<void>; arrived: () => void; landed: Promise<void>; done: () => void } | undefined;
    const store: ClusterStore = {
      ...real,
      heartbeat: async (sent, held) => {
        const g = gate;
        if (!g) return real.heartbeat(sent, held);
        g.arrived();
        await g.open;
        const renewed = await real.heartbeat(sent, held);
        g.done();
        return renewed;
      },
    };
    const cluster = node("n1", store);
    await cluster.join();
    try {
      let open = () => undefined as void;
      let arrived = () => undefined as void;
      let done = () => undefined as void;
      const hasArrived = new Promise<void>((resolve) => (arrived = resolve));
      gate = {
        open: new Promise<void>((resolve) => (open = resolve)),
        arrived,
        landed: new Promise<void>((resolve) => (done = resolve)),
        done: () => done(),
      };
      await hasArrived; // the next periodic heartbeat, carrying "not draining", is on its way
      const landed = gate.landed;
      gate = undefined;
      const drained = cluster.setDraining(true);
      await sleep(50);
      open();
      await Promise.all([drained, landed]);
      expect(await drainingInDb(real, "n1")).toBe(true);
    } finally {
      await cluster.leave();
    }
  });

  it("never places an instance on itself while draining, whatever a node list read a moment ago says", async () => {
    const own = await openTempDb(); // this node alone: the only candidate is itself
    const real = createClusterStore(own.db, { nodeId: "n2", incarnation: "n2-1" }, TTL_MS);
    // Every read of the node list is stale: it still says this node takes instances.
    const stale: ClusterStore = { ...real, nodes: async () => (await real.nodes()).map((n) => ({ ...n, draining: false })) };
    const cluster = node("n2", stale);
    await cluster.join();
    try {
      await cluster.setDraining(true);
      expect((await cluster.place("some-instance")).kind).toBe("nowhere");
    } finally {
      await cluster.setDraining(false);
      await cluster.leave();
      own.dispose();
    }
  });
});
