import { performance } from "node:perf_hooks";
import { LRUCache } from "lru-cache";
import { UnavailableError } from "../../lib/errors";
import type { Logger } from "../logger";
import { createPeriodicTask } from "../tools/periodic-task";
import type { ClusterStore, NodeInfo, PeerNode } from "./cluster-store";
import { chooseNode } from "./placement";

/** Where a request or command for an instance should go. */
export type Location = { kind: "here" } | { kind: "peer"; node: PeerNode } | { kind: "nowhere"; reason: string };

/** Seconds before retrying a request that reached a node while another one held the instance. */
const LEASE_HELD_RETRY_AFTER_SECONDS = 1;
/** How long a lookup of another node's lease is reused by the gateway and the API before it is read again. */
const HOLDER_CACHE_MS = 1_000;

type Held = { generation: number; deadline: number };

/**
 * This node's part in the cluster (docs/scale-out.md): its heartbeat, the leases it holds and when
 * each stops being safe to use, placement of instances nobody runs, and where to find the ones
 * another node runs.
 *
 * A lease is used only until `ttl − margin` after the heartbeat that last renewed it was *sent*, by
 * this process's monotonic clock, which is always before the control DB lets another node take it
 * (that needs `ttl` past the renewal *by the DB's clock*, plus a full TTL of the taker's own
 * connection). A lease that could not be renewed in time is given up (`onLost`) — except when the
 * control DB is unreachable and this node knew of no live peer: then nobody can take the lease
 * over, and its tenants keep serving.
 */
export function createCluster(deps: {
  store: ClusterStore;
  info: () => NodeInfo;
  ttlMs: number;
  log: Logger;
  /** Leases this node can no longer use: their tenants must stop here at once, without writing to the store. */
  onLost: (instanceIds: string[]) => void;
  now?: () => number;
}) {
  const { store, ttlMs, log } = deps;
  const now = deps.now ?? (() => performance.now());
  const nodeId = deps.info().nodeId;
  /** Renewals leave this much of the TTL unused, for a slow round trip and for clock-rate drift. */
  const margin = Math.max(500, ttlMs / 5);
  const held = new Map<string, Held>();
  const holders = new LRUCache<string, { location: Location; until: number }>({ max: 10_000 });
  let peers: PeerNode[] = [];
  let reachable = false;
  /** Since when the control DB has answered every heartbeat (NaN while it does not). */
  let connectedSince = Number.NaN;
  let draining = false;

  /** Nobody else could take a lease over: the DB is down and no other node was live when it last answered. */
  const alone = () => !reachable && !peers.some((p) => p.live && p.id !== nodeId);

  function usable(id: string): boolean {
    const lease = held.get(id);
    return lease !== undefined && (lease.deadline > now() || alone());
  }

  function giveUp(ids: string[]): void {
    if (ids.length === 0) return;
    for (const id of ids) held.delete(id);
    log.warn({ instanceIds: ids }, "leases lost: stopping these tenants here without uploading");
    deps.onLost(ids);
  }

  async function beat(): Promise<void> {
    const sentAt = now();
    try {
      const renewed = await store.heartbeat({ ...deps.info(), draining });
      peers = await store.nodes();
      if (!reachable) connectedSince = sentAt;
      reachable = true;
      const lost: string[] = [];
      for (const [id, lease] of held) {
        if (renewed.get(id) === lease.generation) lease.deadline = sentAt + ttlMs - margin;
        else lost.push(id);
      }
      giveUp(lost);
    } catch (err) {
      if (reachable) log.error({ err }, "heartbeat failed: the control DB is unreachable");
      reachable = false;
      connectedSince = Number.NaN;
    }
    giveUp([...held].filter(([id]) => !usable(id)).map(([id]) => id));
  }

  const task = createPeriodicTask({
    intervalMs: Math.max(200, Math.floor(ttlMs / 4)),
    runAtStart: true,
    run: beat,
    onError: (err) => log.error({ err }, "heartbeat failed"),
  });

  /** Where an instance no live node holds should go now, by every node's lease count as the DB has it this moment. */
  async function place(id: string): Promise<Location> {
    peers = await store.nodes();
    const node = chooseNode(peers, id);
    if (!node) return { kind: "nowhere", reason: "No node has room for another instance right now." };
    return node.id === nodeId ? { kind: "here" } : { kind: "peer", node };
  }

  async function locate(id: string): Promise<Location> {
    if (usable(id)) return { kind: "here" };
    const cached = holders.get(id);
    if (cached && cached.until > now()) return cached.location;
    const holder = await store.holder(id);
    let location: Location;
    if (holder?.live && holder.nodeId !== nodeId) {
      const node = peers.find((p) => p.id === holder.nodeId && p.live);
      location = node ? { kind: "peer", node } : await place(id);
    } else if (holder?.nodeId === nodeId) {
      location = { kind: "here" };
    } else {
      location = await place(id);
    }
    holders.set(id, { location, until: now() + HOLDER_CACHE_MS });
    return location;
  }

  return {
    nodeId,
    /** Registers the node (the first heartbeat) and keeps renewing; call once at startup. */
    async join(): Promise<void> {
      await beat();
      if (!reachable) throw new Error("could not register this node in the control DB");
      task.start();
    },
    /** Stops the heartbeat and, on a clean exit, removes the node's row (its leases were released by the stops). */
    async leave(): Promise<void> {
      await task.stop();
      await store.leave().catch((err: unknown) => log.warn({ err }, "could not remove this node from the control DB"));
    },
    /** Whether this node may run the instance now: it holds the lease and may still use it (the gateway's synchronous check). */
    holds: usable,
    /** The fencing generation of the lease held here, if any. */
    generationOf(id: string): number | undefined {
      return usable(id) ? held.get(id)?.generation : undefined;
    },
    /**
     * Takes the instance's lease before a start here. Throws when another node holds it (or the DB
     * cannot be asked); taking over an expired lease waits until this node has been connected for a
     * full TTL, so a holder cut off with everyone else by a DB outage gets to renew first.
     */
    async acquire(id: string): Promise<number> {
      const sentAt = now();
      const takeOver = reachable && sentAt - connectedSince >= ttlMs;
      const generation = await store.acquire(id, takeOver);
      if (generation === null) throw new LeaseHeldError(id);
      held.set(id, { generation, deadline: sentAt + ttlMs - margin });
      holders.delete(id);
      return generation;
    },
    /** Releases the lease after the instance stopped here with its final upload. */
    async release(id: string): Promise<void> {
      held.delete(id);
      holders.delete(id);
      await store.release(id);
    },
    /** Whether the instance's writes in this lease's name may still land: checked in the control DB (fencing). */
    async stillHolds(id: string): Promise<boolean> {
      const generation = held.get(id)?.generation;
      return generation !== undefined && usable(id) && (await store.holds(id, generation));
    },
    /**
     * Where requests and commands for the instance go: here when this node holds it (or should
     * place it), the holder when another live node runs it, the chosen node when nobody does.
     */
    locate,
    /** A forward to the instance's holder failed: read who holds it again next time. */
    forget(id: string): void {
      holders.delete(id);
    },
    /** Instance ids whose leases this node holds. */
    heldIds(): string[] {
      return [...held.keys()];
    },
    /** The nodes as of the last heartbeat. */
    peers(): readonly PeerNode[] {
      return peers;
    },
    /** Whether the instance, meant to run and held by nobody live, should be started by this node (the reconciler asks). */
    async shouldPlaceHere(id: string): Promise<boolean> {
      return (await locate(id)).kind === "here";
    },
    draining: () => draining,
    async setDraining(on: boolean): Promise<void> {
      draining = on;
      await store.setDraining(on);
      peers = await store.nodes();
    },
    /** Runs a heartbeat now (tests, and right after a change peers should see). */
    heartbeat: task.runNow,
  };
}

export type Cluster = ReturnType<typeof createCluster>;

/** A start refused because another node holds the instance's lease (a 503: the request is sent there once routing sees it). */
export class LeaseHeldError extends UnavailableError {
  constructor(readonly instanceId: string) {
    super("This instance is running on another node. Try again shortly.", LEASE_HELD_RETRY_AFTER_SECONDS);
  }
}
