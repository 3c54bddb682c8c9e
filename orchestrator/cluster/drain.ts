import type { InstanceStore } from "../instances/instance-store";
import type { Lifecycle } from "../instances/lifecycle";
import type { Logger } from "../logger";
import type { Cluster } from "./cluster";
import type { ClusterStore } from "./cluster-store";
import type { PeerApi } from "./peer-api";

/** How a drain is going, for the API and `npm run node -- drain`. */
export type DrainProgress = {
  node: string;
  /** Takes no new instances. */
  draining: boolean;
  /** A pass moving this node's instances is under way. */
  active: boolean;
  /** Instances this node ran when the pass began, moved so far, and the ones that could not be moved (still here). */
  total: number;
  moved: number;
  failed: { instanceId: string; error: string }[];
  /** Instances this node still holds. */
  remaining: number;
};

const errorMessage = (err: unknown) => (err instanceof Error ? err.message : String(err));

/**
 * Drains the node for maintenance: it takes no new instances, and its instances move one at a time
 * (stop with the final upload, lease released, started on the node placement chooses) while the
 * requests that arrive for the one moving wait for it, then go to its new node.
 */
export function createDrain(deps: {
  cluster: Pick<Cluster, "nodeId" | "setDraining" | "isDraining" | "heldIds" | "moving" | "place">;
  lifecycle: Pick<Lifecycle, "stop" | "dropLocalCopy">;
  store: Pick<InstanceStore, "find" | "recordEvent">;
  peers: Pick<PeerApi, "start">;
  leases: Pick<ClusterStore, "holder" | "supersededCopies">;
  log: Logger;
}) {
  const { cluster, log } = deps;
  let pass: Promise<void> | undefined;
  let counts = { total: 0, moved: 0, failed: [] as DrainProgress["failed"] };

  async function move(id: string): Promise<void> {
    await cluster.moving(id, async () => {
      const meant = (await deps.store.find(id))?.desiredState;
      await deps.lifecycle.stop(id); // its final upload; the lease is released once the data is stored
      if (meant !== "running") return;
      const where = await cluster.place(id);
      if (where.kind !== "peer") throw new Error(where.kind === "nowhere" ? where.reason : "no other node can take it");
      await deps.store.recordEvent(id, "moving", `Moving to node ${where.node.id}: node ${cluster.nodeId} is drained for maintenance.`);
      await deps.peers.start(where.node, id).catch(async (err: unknown) => {
        // A request through another node's gateway may have started it there first (that node chose
        // itself): the instance moved all the same.
        const holder = await deps.leases.holder(id);
        if (!holder?.live || holder.nodeId === cluster.nodeId) throw err;
      });
    });
    // Stored by its stop and running elsewhere now, the copy here only takes space (a volume image).
    // An instance the move left stopped keeps it: this node is still its last holder.
    const superseded = async () => (await deps.leases.supersededCopies([id])).length === 1;
    await deps.lifecycle
      .dropLocalCopy(id, superseded)
      .catch((err: unknown) => log.warn({ err, instanceId: id }, "draining: could not delete the moved instance's copy here"));
  }

  async function moveAll(): Promise<void> {
    const ids = cluster.heldIds();
    counts = { total: ids.length, moved: 0, failed: [] };
    log.info({ instances: ids.length }, "draining: moving this node's instances to the others");
    for (const id of ids) {
      if (!cluster.isDraining()) break; // undrained meanwhile
      try {
        await move(id);
        counts.moved++;
      } catch (err) {
        log.warn({ err, instanceId: id }, "draining: could not move an instance");
        counts.failed.push({ instanceId: id, error: errorMessage(err) });
      }
    }
    log.info({ moved: counts.moved, failed: counts.failed.length }, "draining: pass finished");
  }

  function progress(): DrainProgress {
    return { node: cluster.nodeId, draining: cluster.isDraining(), active: pass !== undefined, ...counts, remaining: cluster.heldIds().length };
  }

  return {
    progress,
    /** Starts draining (or joins the pass under way) and answers at once; `wait` resolves when the pass ends. */
    async start(): Promise<{ progress: DrainProgress; done: Promise<void> }> {
      await cluster.setDraining(true);
      pass ??= moveAll().finally(() => (pass = undefined));
      return { progress: progress(), done: pass };
    },
    /** Takes new instances again (the moved ones stay where they went). */
    async stop(): Promise<DrainProgress> {
      await cluster.setDraining(false);
      return progress();
    },
  };
}

export type Drain = ReturnType<typeof createDrain>;
