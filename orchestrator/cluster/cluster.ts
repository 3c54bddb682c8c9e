import { performance } from "node:perf_hooks";
import type { SQL } from "drizzle-orm";
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
export type NodeStatus = { nodeId: string; dbReachable: boolean; connectedForMs: number };

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

/** A lease this process uses: since when (its acquire was sent), until when, and its replica lineages. */
type Held = { generation: number; acquiredAt: number; deadline: number; lineage: number; previousLineage: number };

/**
 * A node takes an expired lease over only once it has reached the control DB for this many TTLs
 * without a break: after an outage the holders renew first, and a holder whose own connection is
 * slower to come back learns from its peers in time that it must give its leases up.
 */
const TAKEOVER_AFTER_TTLS = 2;
/** A node whose heartbeat stopped this many TTLs ago no longer counts for the outage rule. */
const FORGOTTEN_AFTER_TTLS = 30;
/** How long one read of the nodes' lease counts serves placements. */
const PLACEMENT_FRESH_MS = 500;
/** How often lease deadlines are checked between heartbeats, so a lapsed lease stops its tenant at once. */
const DEADLINE_CHECK_MS = 250;

/**
 * This node's part in the cluster (docs/scale-out.md): its heartbeat, the leases it holds and when
 * each stops being safe to use, placement of instances nobody runs, where to find the ones another
 * node runs, and instances being moved away (a drain), whose requests wait for the move.
 *
 * A lease is used only until `ttl − margin` after the heartbeat that last renewed it was *sent*, by
 * this process's monotonic clock, which is always before the control DB lets another node take it
 * (that needs `ttl` past the renewal *by the DB's clock*, plus two TTLs of the taker's own
 * connection). A lease that could not be renewed in time is given up (`onLost`), unless the control
 * DB is down for everyone: when every other registered node answers, as itself, that it cannot
 * reach the DB either (or got it back only a moment ago), or when there is no other node and the DB
 * is a local file, nobody can take a lease over, and tenants keep serving through the outage.
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
  /**
   * Whether this node may keep its leases through a control-DB outage without any peer to ask: true
   * only for a control DB no other machine can use (a `file:` database), so nobody can take over.
   */
  soleByDesign: boolean;
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
    peerHosts = new Set(nodes.filter((n) => n.id !== nodeId && n.live).map((n) => new URL(n.gatewayUrl).hostname.replace(/^\[|\]$/g, "")));
    warnAboutLoopback(nodes);
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

  let deadlineTimer: NodeJS.Timeout | undefined;
  let warnedLoopback = false;

  /** Several machines with this node on a loopback address: peers would forward to themselves. */
  function warnAboutLoopback(nodes: readonly PeerNode[]): void {
    const isLoopback = (url: string) => /^(localhost|127\.|\[::1\])/.test(new URL(url).host);
    const self = nodes.find((n) => n.id === nodeId);
    if (warnedLoopback || !self || !isLoopback(self.gatewayUrl) || !nodes.some((n) => n.id !== nodeId && !isLoopback(n.gatewayUrl))) return;
    warnedLoopback = true;
    log.error(
      { gatewayUrl: self.gatewayUrl },
      "this node advertises a loopback address while other nodes do not: set NODE_ADDRESS to an address they can reach",
    );
  }

  /** Serves here: a usable lease, and the instance is not being moved away. */
  const serves = (id: string) => usable(id) && !moves.has(id);

  function giveUp(ids: string[]): void {
    if (ids.length === 0) return;
    for (const id of ids) held.delete(id);
    log.warn({ instanceIds: ids }, "leases lost: stopping these tenants here without uploading");
    deps.onLost(ids);
  }

  /**
   * Whether no other node reaches the DB either (none of them could take a lease over): every other
   * registered node must answer, as itself, that it cannot. With no other node registered, only a
   * control DB no other machine can use counts (a node that joined meanwhile could take over).
   */
  async function downForAll(): Promise<boolean> {
    // A node silent for many TTLs before the outage is gone for good (a lost host never replaced): it is not asked.
    const others = peers.filter((p) => p.id !== nodeId && p.heartbeatAgeMs < FORGOTTEN_AFTER_TTLS * ttlMs);
    if (others.length === 0) return deps.soleByDesign;
    const timeoutMs = Math.min(PEER_STATUS_TIMEOUT_MS, margin);
    const answers = await Promise.allSettled(others.map((p) => deps.askPeer(p, AbortSignal.timeout(timeoutMs))));
    // A peer that got the DB back only a moment ago cannot take a lease over for a while (it must
    // be connected for TAKEOVER_AFTER_TTLS TTLs first): this node's own next heartbeat may well work.
    return answers.every(
      (a, i) => a.status === "fulfilled" && a.value.nodeId === others[i]?.id && (!a.value.dbReachable || a.value.connectedForMs < ttlMs / 4),
    );
  }

  /** Gives up every lease past its deadline (run by the heartbeat and a short timer: a lapsed lease stops its tenant at once). */
  function giveUpLapsed(): void {
    giveUp([...held].filter(([id]) => !usable(id)).map(([id]) => id));
  }

  /** One round trip of the heartbeat; rejects when the DB does not answer within the margin. */
  async function renew(sentAt: number): Promise<void> {
    const renewed = await pTimeout(store.heartbeat({ ...deps.info(), draining }, [...held.keys()]), { milliseconds: margin });
    if (!reachable) {
      connectedSince = sentAt;
      if (outageForAll) log.info("the control DB answers again");
    }
    reachable = true;
    outageForAll = false;
    lastContact = sentAt;
    const lost: string[] = [];
    for (const [id, lease] of held) {
      // A lease taken after this heartbeat was sent is not in its answer, and is not lost.
      if (lease.acquiredAt >= sentAt) continue;
      if (renewed.get(id) === lease.generation) lease.deadline = sentAt + ttlMs - margin;
      else lost.push(id);
    }
    giveUp(lost);
    seePeers(await pTimeout(store.nodes(), { milliseconds: margin }).catch(() => peers));
  }

  async function beat(): Promise<void> {
    try {
      // Bounded: a DB that stops answering (rather than refusing) must not stall the heartbeat past the leases' deadlines.
      await renew(now());
    } catch (err) {
      if (reachable) log.error({ err }, "heartbeat failed: the control DB is unreachable");
      reachable = false;
      connectedSince = Number.NaN;
      const forAll = await downForAll();
      if (forAll && !outageForAll) log.warn("no node reaches the control DB: running tenants keep serving, new placements wait");
      outageForAll = forAll;
      // Another node reaches the DB: it may be back for everyone a moment ago, so try once more before giving anything up.
      if (!forAll) await renew(now()).catch(() => undefined);
    }
    giveUpLapsed();
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

  let placedFromAt = Number.NEGATIVE_INFINITY;
  /**
   * Where an instance no live node holds should go now, by every node's lease count as the DB had
   * it at most PLACEMENT_FRESH_MS ago (one read serves a burst of placements, whoever asks).
   */
  async function place(id: string): Promise<Location> {
    if (now() - placedFromAt > PLACEMENT_FRESH_MS) {
      seePeers(await fromDb(() => store.nodes()));
      placedFromAt = now();
    }
    // This node's own flag is the truth here, whatever the node list read a moment ago says.
    const node = chooseNode(draining ? peers.filter((p) => p.id !== nodeId) : peers, id);
    if (!node) return { kind: "nowhere", reason: "No node has room for another instance right now." };
    return node.id === nodeId ? { kind: "here" } : { kind: "peer", node };
  }

  async function lookUp(id: string): Promise<Location> {
    const holder = await fromDb(() => store.holder(id));
    if (holder?.live && holder.nodeId !== nodeId) {
      // The lease is live by the DB's clock, so its holder renewed it a moment ago: only its address
      // is needed (the node list may predate its last heartbeat, e.g. just after a DB outage).
      let node = peers.find((p) => p.id === holder.nodeId);
      if (!node) {
        seePeers(await fromDb(() => store.nodes()));
        node = peers.find((p) => p.id === holder.nodeId);
      }
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
      const info = deps.info();
      const previous = await store.ownRow(info.host);
      if (previous?.liveElsewhere) {
        throw new Error(`another orchestrator (${previous.liveElsewhere}) runs as node "${nodeId}": give each node its own NODE_ID`);
      }
      draining = previous?.draining ?? false; // a node drained for maintenance stays drained across its restart
      await beat();
      if (!reachable) throw new Error("could not register this node in the control DB");
      if (draining) log.warn("this node is draining (from before its restart): it takes no new instances until `npm run node -- undrain`");
      task.start();
      deadlineTimer = setInterval(giveUpLapsed, DEADLINE_CHECK_MS);
      deadlineTimer.unref();
    },
    /** Stops the heartbeat and, on a clean exit, removes the node's row unless it is draining (its leases were released by the stops). */
    async leave(): Promise<void> {
      clearInterval(deadlineTimer);
      await task.stop();
      if (draining) return; // its row keeps the flag, so the node comes back drained after maintenance
      await store.leave().catch((err: unknown) => log.warn({ err }, "could not remove this node from the control DB"));
    },
    /** Whether this node serves the instance now: a usable lease, not being moved away (the gateway's synchronous check). */
    holds: serves,
    /** Whether this node may still act on the instance (stop it, store it): a usable lease, moving away or not. */
    leaseValid: usable,
    /**
     * Takes the instance's lease before this node works on its data or runs it, and tells whether a
     * local copy here can be its newest data. Throws a 503 when another node holds it, or when this
     * node is draining and does not hold it already; taking over
     * an expired lease waits until this node has been connected for two TTLs, so a holder cut off
     * with everyone else by a DB outage gets to renew first.
     */
    async acquire(id: string): Promise<{ generation: number; localCopyMayBeNewest: boolean }> {
      if (draining && !held.has(id)) throw new LeaseHeldError(id);
      const sentAt = now();
      const takeOver = reachable && sentAt - connectedSince >= TAKEOVER_AFTER_TTLS * ttlMs;
      const taken = await store.acquire(id, takeOver);
      if (taken === null) throw new LeaseHeldError(id);
      held.set(id, {
        generation: taken.generation,
        // When it entered `held`: a heartbeat sent before this moment did not carry it, and says nothing of it.
        acquiredAt: now(),
        deadline: sentAt + ttlMs - margin,
        lineage: taken.lineage,
        previousLineage: taken.previousLineage,
      });
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
    /**
     * The instance's new lineage has its data (Litestream synced): restores read it from now on.
     * True when this holding recorded that (then, and only then, the previous lineage may go).
     */
    async settleLineage(id: string): Promise<boolean> {
      const lease = held.get(id);
      if (!lease || lease.lineage === lease.previousLineage || !usable(id)) return false;
      if (!(await store.settleLineage(id, lease.lineage, lease.generation))) return false;
      lease.previousLineage = lease.lineage;
      return true;
    },
    /** Releases the lease after the instance stopped here with its final upload. */
    async release(id: string): Promise<void> {
      held.delete(id);
      holders.delete(id);
      await store.release(id);
    },
    /**
     * The condition under which a control-DB write in this lease's name may land (fencing: see
     * `leaseCondition`), or undefined when this node no longer holds a usable lease.
     */
    fenceOf(id: string): SQL | undefined {
      const generation = held.get(id)?.generation;
      return generation !== undefined && usable(id) ? store.leaseCondition(id, generation) : undefined;
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
      const dbReachable = reachable && now() - lastContact < ttlMs / 2;
      return { nodeId, dbReachable, connectedForMs: dbReachable ? now() - connectedSince : 0 };
    },
    /** Whether the instance, meant to run and held by nobody live, should be started by this node (the reconciler asks). */
    async shouldPlaceHere(id: string): Promise<boolean> {
      return (await locate(id)).kind === "here";
    },
    isDraining: () => draining,
    /** Takes no new instances (draining) or takes them again; peers see it at once. */
    async setDraining(on: boolean): Promise<void> {
      draining = on;
      // A heartbeat sent before this carries the old flag and could land after the write below,
      // undoing it until the next one: joined (or one sent now, with the new flag) first.
      await task.runNow();
      await store.setDraining(on);
      seePeers(await store.nodes());
    },
  };
}

export type Cluster = ReturnType<typeof createCluster>;

/** A start refused because another node holds the instance's lease (a 503: the request is sent there once routing sees it). */
export class LeaseHeldError extends UnavailableError {
  constructor(readonly instanceId: string) {
    super("This instance is running on another node. Try again shortly.", LEASE_HELD_RETRY_AFTER_SECONDS);
  }
}
