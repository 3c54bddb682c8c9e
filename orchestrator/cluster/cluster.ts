import { performance } from "node:perf_hooks";
import { LRUCache } from "lru-cache";
import pTimeout from "p-timeout";
import { UnavailableError } from "../../lib/errors";
import type { Logger } from "../logger";
import { createPeriodicTask } from "../tools/periodic-task";
import type { ClusterStore, NodeInfo, PeerNode } from "./cluster-store";
import { chooseNode } from "./placement";

/** Where a request or command for an instance should go. */
export type Location = { kind: "here" } | { kind: "peer"; node: PeerNode } | { kind: "nowhere"; reason: string };

/** What a node answers a peer that asks whether it reaches the control DB (`GET /v1/cluster/status`). */
export type NodeStatus = { nodeId: string; dbReachable: boolean };

/** Seconds before retrying a request that reached a node while another one held the instance. */
const LEASE_HELD_RETRY_AFTER_SECONDS = 1;
/** Seconds before retrying a placement the control DB could not answer. */
const DB_DOWN_RETRY_AFTER_SECONDS = 5;
/** How long a lookup of another node's lease is reused by the gateway and the API before it is read again. */
const HOLDER_CACHE_MS = 1_000;
/** How long routing waits for the control DB before it answers with a 503 (placements wait this long at most). */
const DB_LOOKUP_TIMEOUT_MS = 5_000;
/** How long a peer gets to say whether it reaches the control DB. */
const PEER_STATUS_TIMEOUT_MS = 1_000;

type Held = { generation: number; deadline: number; lineage: number; previousLineage: number };

/**
 * This node's part in the cluster (docs/scale-out.md): its heartbeat, the leases it holds and when
 * each stops being safe to use, placement of instances nobody runs, where to find the ones another
 * node runs, and instances being moved away (a drain), whose requests wait for the move.
 *
 * A lease is used only until `ttl − margin` after the heartbeat that last renewed it was *sent*, by
 * this process's monotonic clock, which is always before the control DB lets another node take it
 * (that needs `ttl` past the renewal *by the DB's clock*, plus a full TTL of the taker's own
 * connection). A lease that could not be renewed in time is given up (`onLost`), unless the control
 * DB is down for everyone: when every live peer answers that it cannot reach the DB either (or
 * there is no peer), nobody can take a lease over, and tenants keep serving through the outage.
 */
export function createCluster(deps: {
  store: ClusterStore;
  info: () => NodeInfo;
  ttlMs: number;
  log: Logger;
  /** Leases this node can no longer use: their tenants must stop here at once, without writing to the store. */
  onLost: (instanceIds: string[]) => void;
  /** Asks a peer's internal API whether it reaches the control DB (rejects when it does not answer). */
  askPeer: (node: PeerNode, signal: AbortSignal) => Promise<NodeStatus>;
  now?: () => number;
}) {
  const { store, ttlMs, log } = deps;
  const now = deps.now ?? (() => performance.now());
  const nodeId = deps.info().nodeId;
  /** Renewals leave this much of the TTL unused, for a slow round trip and for clock-rate drift. */
  const margin = Math.max(500, ttlMs / 5);
  const held = new Map<string, Held>();
  /** Where other nodes' instances were last found; kept past their freshness to route through a DB outage. */
  const holders = new LRUCache<string, { location: Location; until: number }>({ max: 10_000 });
  /** Instances being moved away from this node: requests for them wait for the move, then go where it went. */
  const moves = new Map<string, Promise<void>>();
  let peers: PeerNode[] = [];
  /** The hosts of the other nodes' gateways, as of the last look at the nodes. */
  let peerHosts = new Set<string>();
  const seePeers = (nodes: PeerNode[]) => {
    peers = nodes;
    peerHosts = new Set(nodes.filter((n) => n.id !== nodeId).map((n) => new URL(n.gatewayUrl).hostname.replace(/^\[|\]$/g, "")));
  };
  let reachable = false;
  /** When the last heartbeat reached the DB (a peer asking is told "reachable" only while this is recent). */
  let lastContact = Number.NEGATIVE_INFINITY;
  /** Since when the control DB has answered every heartbeat (NaN while it does not). */
  let connectedSince = Number.NaN;
  /** The DB is down for every node (all live peers said so): nobody can take a lease over. */
  let outageForAll = false;
  let draining = false;

  function usable(id: string): boolean {
    const lease = held.get(id);
    return lease !== undefined && (lease.deadline > now() || (!reachable && outageForAll));
  }

  /** Serves here: a usable lease, and the instance is not being moved away. */
  const serves = (id: string) => usable(id) && !moves.has(id);

  function giveUp(ids: string[]): void {
    if (ids.length === 0) return;
    for (const id of ids) held.delete(id);
    log.warn({ instanceIds: ids }, "leases lost: stopping these tenants here without uploading");
    deps.onLost(ids);
  }

  /** Whether every peer that was live reaches the DB no better than this node (none of them could take a lease over). */
  async function downForAll(): Promise<boolean> {
    const others = peers.filter((p) => p.live && p.id !== nodeId);
    const answers = await Promise.allSettled(others.map((p) => deps.askPeer(p, AbortSignal.timeout(PEER_STATUS_TIMEOUT_MS))));
    return answers.every((a) => a.status === "fulfilled" && !a.value.dbReachable);
  }

  async function beat(): Promise<void> {
    const sentAt = now();
    try {
      // Bounded: a DB that stops answering (rather than refusing) must not stall the heartbeat past the leases' deadlines.
      const renewed = await pTimeout(store.heartbeat({ ...deps.info(), draining }), { milliseconds: margin });
      seePeers(await pTimeout(store.nodes(), { milliseconds: margin }));
      if (!reachable) {
        connectedSince = sentAt;
        if (outageForAll) log.info("the control DB answers again");
      }
      reachable = true;
      outageForAll = false;
      lastContact = sentAt;
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
      const forAll = await downForAll();
      if (forAll && !outageForAll) log.warn("no node reaches the control DB: running tenants keep serving, new placements wait");
      outageForAll = forAll;
    }
    giveUp([...held].filter(([id]) => !usable(id)).map(([id]) => id));
  }

  const task = createPeriodicTask({
    intervalMs: Math.max(200, Math.floor(ttlMs / 4)),
    runAtStart: true,
    run: beat,
    onError: (err) => log.error({ err }, "heartbeat failed"),
  });

  /** A control-DB read for routing, bounded: a DB that does not answer becomes a clear 503, not a request that hangs. */
  async function fromDb<T>(read: () => Promise<T>): Promise<T> {
    try {
      return await pTimeout(read(), { milliseconds: DB_LOOKUP_TIMEOUT_MS });
    } catch (err) {
      throw new UnavailableError(
        "The platform's database is unreachable, so this instance cannot be placed right now. Try again shortly.",
        DB_DOWN_RETRY_AFTER_SECONDS,
        err,
      );
    }
  }

  /** Where an instance no live node holds should go now, by every node's lease count as the DB has it this moment. */
  async function place(id: string): Promise<Location> {
    seePeers(await fromDb(() => store.nodes()));
    const node = chooseNode(peers, id);
    if (!node) return { kind: "nowhere", reason: "No node has room for another instance right now." };
    return node.id === nodeId ? { kind: "here" } : { kind: "peer", node };
  }

  async function lookUp(id: string): Promise<Location> {
    const holder = await fromDb(() => store.holder(id));
    if (holder?.live && holder.nodeId !== nodeId) {
      const node = peers.find((p) => p.id === holder.nodeId && p.live);
      return node ? { kind: "peer", node } : place(id);
    }
    if (holder?.nodeId === nodeId && !draining) return { kind: "here" };
    return place(id);
  }

  async function locate(id: string, options: { fresh?: boolean } = {}): Promise<Location> {
    const move = moves.get(id);
    if (move) await move;
    if (serves(id)) return { kind: "here" };
    const cached = holders.get(id);
    if (cached && cached.until > now() && !options.fresh) return cached.location;
    try {
      const location = await lookUp(id);
      holders.set(id, { location, until: now() + HOLDER_CACHE_MS });
      return location;
    } catch (err) {
      // The DB is down: an instance last seen on a live peer is still there (its lease holds through an outage for all).
      if (cached?.location.kind === "peer") return cached.location;
      throw err;
    }
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
    /** Whether this node serves the instance now: a usable lease, not being moved away (the gateway's synchronous check). */
    holds: serves,
    /**
     * Takes the instance's lease before this node works on its data or runs it, and tells whether a
     * local copy here can be its newest data. Throws a 503 when another node holds it, or when this
     * node is draining and does not hold it already; taking over
     * an expired lease waits until this node has been connected for a full TTL, so a holder cut off
     * with everyone else by a DB outage gets to renew first.
     */
    async acquire(id: string): Promise<{ generation: number; localCopyMayBeNewest: boolean }> {
      if (draining && !held.has(id)) throw new LeaseHeldError(id);
      const sentAt = now();
      const takeOver = reachable && sentAt - connectedSince >= ttlMs;
      const taken = await store.acquire(id, takeOver);
      if (taken === null) throw new LeaseHeldError(id);
      held.set(id, { generation: taken.generation, deadline: sentAt + ttlMs - margin, lineage: taken.lineage, previousLineage: taken.previousLineage });
      holders.delete(id);
      // Another node ran it since this one did: whatever this node still has of it is older than the store.
      return { generation: taken.generation, localCopyMayBeNewest: taken.previousNode === null || taken.previousNode === nodeId };
    },
    /**
     * The replica lineage this node's Litestream writes the instance to, and the one a restore
     * reads until that has data (equal once settled); undefined when this node does not hold it.
     */
    lineageOf(id: string): { lineage: number; previousLineage: number } | undefined {
      const lease = held.get(id);
      return lease && { lineage: lease.lineage, previousLineage: lease.previousLineage };
    },
    /** The instance's new lineage has its data (Litestream synced): restores read it from now on. */
    async settleLineage(id: string): Promise<void> {
      const lease = held.get(id);
      if (!lease || lease.lineage === lease.previousLineage) return;
      await store.settleLineage(id, lease.lineage);
      lease.previousLineage = lease.lineage;
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
     * Where requests and commands for the instance go: here when this node serves it (or should
     * place it), the holder when another live node runs it, the chosen node when nobody does. Waits
     * for a move of the instance away from this node to finish first. The gateway reuses a lookup
     * for a second; `fresh` reads the DB every time (lifecycle commands, which change the holder).
     */
    locate,
    /** Where the instance should go now that nobody holds it (a move asks, once it released the lease). */
    place,
    /** A forward to the instance's holder failed: read who holds it again next time. */
    forget(id: string): void {
      holders.delete(id);
    },
    /**
     * Moves the instance away: requests for it wait (in `locate`) until `work` is done, then go
     * where it went. Resolves when `work` does.
     */
    async moving(id: string, work: () => Promise<void>): Promise<void> {
      const done = work().finally(() => {
        moves.delete(id);
        holders.delete(id);
      });
      moves.set(
        id,
        done.catch(() => undefined),
      );
      await done;
    },
    /** Instance ids whose leases this node holds. */
    heldIds(): string[] {
      return [...held.keys()];
    },
    /** Whether `ip` is the address of another node (its gateway forwards clients' requests here). */
    isPeerAddress: (ip: string) => peerHosts.has(ip),
    /** The nodes as of the last heartbeat. */
    peers(): readonly PeerNode[] {
      return peers;
    },
    /** What a peer asking about a DB outage is told: reachable only if the last heartbeat was recent. */
    status(): NodeStatus {
      return { nodeId, dbReachable: reachable && now() - lastContact < ttlMs / 2 };
    },
    /** Whether the instance, meant to run and held by nobody live, should be started by this node (the reconciler asks). */
    async shouldPlaceHere(id: string): Promise<boolean> {
      return (await locate(id)).kind === "here";
    },
    isDraining: () => draining,
    /** Takes no new instances (draining) or takes them again; peers see it at once. */
    async setDraining(on: boolean): Promise<void> {
      draining = on;
      await store.setDraining(on);
      seePeers(await store.nodes());
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
