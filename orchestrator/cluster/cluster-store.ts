import { type SQL, sql } from "drizzle-orm";
import type { Db } from "../../lib/db/client";
import { leases, nodes } from "../../lib/db/schema";

/** The control DB's own clock in milliseconds: every expiry is decided by one clock, whatever the nodes' clocks say. */
const DB_NOW = sql`CAST(unixepoch('subsec') * 1000 AS INTEGER)`;

/** This node as the control DB knows it. */
export type NodeSelf = { nodeId: string; incarnation: string };

/** What a node publishes about itself with every heartbeat. */
export type NodeInfo = NodeSelf & {
  /** Host name and data folder (see `nodes.host`). */
  host: string;
  gatewayUrl: string;
  apiUrl: string;
  capacity: number;
  running: number;
  version: string;
  draining: boolean;
  startedAt: Date;
};

/** A node as peers see it: `live` when it heartbeated within the TTL, by the DB's clock. */
export type PeerNode = {
  id: string;
  incarnation: string;
  gatewayUrl: string;
  apiUrl: string;
  capacity: number;
  /** Leases it holds now (the count placement balances). */
  leases: number;
  draining: boolean;
  live: boolean;
  heartbeatAgeMs: number;
};

/** A lease just taken: its fencing generation, the node that held it last before, and its replica lineages. */
export type Acquired = { generation: number; previousNode: string | null; lineage: number; previousLineage: number };

/** Who holds an instance's lease; `live` while it has not expired by the DB's clock. */
export type LeaseHolder = { nodeId: string; incarnation: string; generation: number; live: boolean };

/**
 * The SQL of nodes and leases (docs/scale-out.md). Every change is one conditional statement (or
 * one batch), so the libSQL server that runs them is the only arbiter: two nodes can never both
 * take the same lease, and a holder's renewal fails once another node has taken it.
 */
/**
 * A node silent this long, holding no lease, is forgotten (its row deleted): a host retired or
 * renamed without a drain does not stay listed as dead for ever. A node that comes back registers again.
 */
const FORGET_DEAD_NODE_MS = 7 * 24 * 3_600_000;

export function createClusterStore(db: Db, self: NodeSelf, ttlMs: number, options: { forgetDeadAfterMs?: number } = {}) {
  const forgetDeadAfterMs = options.forgetDeadAfterMs ?? FORGET_DEAD_NODE_MS;
  /**
   * The fencing check of a write in this holding's name, as a condition for the statement that
   * makes the write (so it is checked where the write lands, not a moment before): this
   * incarnation holds the instance's lease with `generation`, unexpired by the DB's clock.
   */
  const leaseCondition = (instanceId: string, generation: number): SQL =>
    sql`EXISTS (SELECT 1 FROM ${leases}
      WHERE instance_id = ${instanceId} AND node_id = ${self.nodeId} AND incarnation = ${self.incarnation}
        AND generation = ${generation} AND expires_at > ${DB_NOW})`;

  return {
    /**
     * One heartbeat: the node's row upserted and the leases `held` (the ones this process still
     * uses) renewed, in one batch. Returns the leases still held (instance id → generation); one
     * missing from it was taken over by another node. A lease this process gave up is not renewed:
     * it expires, and any node may take it.
     */
    async heartbeat(info: NodeInfo, held: readonly string[]): Promise<Map<string, number>> {
      const { nodeId, ...published } = info;
      const row = { ...published, heartbeatAt: DB_NOW };
      const [, renewed] = await db.batch([
        db
          .insert(nodes)
          .values({ id: nodeId, ...row })
          .onConflictDoUpdate({ target: nodes.id, set: row }),
        db.all<{ instance_id: string; generation: number }>(sql`UPDATE ${leases} SET expires_at = ${DB_NOW} + ${ttlMs}
          WHERE node_id = ${self.nodeId} AND incarnation = ${self.incarnation}
            AND instance_id IN (SELECT value FROM json_each(${JSON.stringify(held)}))
          RETURNING instance_id, generation`),
        db.run(sql`DELETE FROM ${nodes} WHERE id != ${self.nodeId} AND heartbeat_at < ${DB_NOW} - ${forgetDeadAfterMs}
          AND NOT EXISTS (SELECT 1 FROM ${leases} WHERE ${leases.nodeId} = ${nodes.id})`),
      ]);
      return new Map(renewed.map((r) => [r.instance_id, Number(r.generation)]));
    },

    /**
     * Takes the instance's lease for this incarnation: when nobody holds it, when this node holds it
     * (any incarnation: a restarted node on the same data folder resumes its own), or, with
     * `takeOver`, when its holder let it expire. A new holding gets the next fencing generation;
     * renewing one's own keeps it. Null when another node holds it; else the generation and the
     * node that held it last before (null: nobody ever did).
     */
    async acquire(instanceId: string, takeOver: boolean): Promise<Acquired | null> {
      // One statement (a read before the write would make the transaction fail with SQLITE_BUSY
      // whenever another node wrote in between). In SET, `leases.*` are the values before the
      // update: the previous holder is kept for the answer; a holding that was not released (taken
      // over, or left by an earlier process of this node) starts a new replica lineage, and reads
      // fall back to the last lineage known to hold data (the previous holder's, once it was settled).
      const taken = await db.all<{ generation: number; lineage: number; previous_lineage: number; previous_node_id: string | null }>(sql`
          INSERT INTO ${leases} (instance_id, node_id, incarnation, generation, expires_at, last_node_id)
            VALUES (${instanceId}, ${self.nodeId}, ${self.incarnation}, 1, ${DB_NOW} + ${ttlMs}, ${self.nodeId})
          ON CONFLICT (instance_id) DO UPDATE SET
            previous_node_id = leases.last_node_id,
            generation = CASE WHEN leases.node_id = excluded.node_id AND leases.incarnation = excluded.incarnation
              THEN leases.generation ELSE leases.generation + 1 END,
            lineage = CASE WHEN leases.node_id IS NULL OR (leases.node_id = excluded.node_id AND leases.incarnation = excluded.incarnation)
              THEN leases.lineage ELSE leases.generation + 1 END,
            previous_lineage = CASE WHEN leases.node_id IS NULL OR (leases.node_id = excluded.node_id AND leases.incarnation = excluded.incarnation)
              THEN leases.previous_lineage WHEN leases.previous_lineage = leases.lineage THEN leases.lineage ELSE leases.previous_lineage END,
            node_id = excluded.node_id, incarnation = excluded.incarnation, expires_at = excluded.expires_at, last_node_id = excluded.node_id
          WHERE leases.node_id IS NULL OR leases.node_id = excluded.node_id OR (${takeOver ? 1 : 0} AND leases.expires_at < ${DB_NOW})
          RETURNING generation, lineage, previous_lineage, previous_node_id`);
      const row = taken[0];
      if (!row) return null;
      return {
        generation: Number(row.generation),
        previousNode: row.previous_node_id ?? null,
        lineage: Number(row.lineage),
        previousLineage: Number(row.previous_lineage),
      };
    },

    /** The instance's replica lineages: the one its holder writes, and the one before (0 and 0 when it never had a lease). */
    async lineages(instanceId: string): Promise<{ lineage: number; previousLineage: number }> {
      const rows = await db.all<{ lineage: number; previous_lineage: number }>(
        sql`SELECT lineage, previous_lineage FROM ${leases} WHERE instance_id = ${instanceId}`,
      );
      const row = rows[0];
      return { lineage: Number(row?.lineage ?? 0), previousLineage: Number(row?.previous_lineage ?? 0) };
    },

    /**
     * The new lineage has the tenant's data: the previous one is not read any more. True only when
     * this holding recorded it (its objects may then be deleted); false when the lease moved on.
     */
    async settleLineage(instanceId: string, lineage: number, generation: number): Promise<boolean> {
      const rows = await db.all<{ instance_id: string }>(sql`UPDATE ${leases} SET previous_lineage = lineage
        WHERE instance_id = ${instanceId} AND lineage = ${lineage} AND generation = ${generation}
          AND node_id = ${self.nodeId} AND incarnation = ${self.incarnation} AND expires_at > ${DB_NOW}
        RETURNING instance_id`);
      return rows.length === 1;
    },

    /**
     * This node's row as a previous process left it: whether it was draining, and the host of a
     * process elsewhere that still heartbeats under this id (a second orchestrator given the same id).
     */
    async ownRow(host: string): Promise<{ draining: boolean; liveElsewhere: string | null } | null> {
      const rows = await db.all<{ incarnation: string; host: string; draining: number; age: number }>(
        sql`SELECT incarnation, host, draining, ${DB_NOW} - heartbeat_at AS age FROM ${nodes} WHERE id = ${self.nodeId}`,
      );
      const row = rows[0];
      if (!row) return null;
      const elsewhere = row.incarnation !== self.incarnation && row.host !== host && Number(row.age) < ttlMs;
      return { draining: Number(row.draining) === 1, liveElsewhere: elsewhere ? row.host : null };
    },

    /** Gives the lease up (this incarnation's holding only), keeping its generation for the next holder. */
    async release(instanceId: string): Promise<void> {
      await db.run(sql`UPDATE ${leases} SET node_id = NULL, incarnation = NULL, expires_at = 0
        WHERE instance_id = ${instanceId} AND node_id = ${self.nodeId} AND incarnation = ${self.incarnation}`);
    },

    /** Whether this incarnation holds the instance's lease with `generation`, unexpired. */
    async holds(instanceId: string, generation: number): Promise<boolean> {
      const rows = await db.all<{ ok: number }>(sql`SELECT ${leaseCondition(instanceId, generation)} AS ok`);
      return Number(rows[0]?.ok) === 1;
    },

    leaseCondition,

    /**
     * Of the instances in `ids` (ones with a local copy on this node), those another node has held
     * the lease of since this one did: only the last holder's local copy can be the newest.
     */
    async supersededCopies(ids: readonly string[]): Promise<string[]> {
      const rows = await db.all<{ id: string }>(sql`SELECT instance_id AS id FROM ${leases}
        WHERE instance_id IN (SELECT value FROM json_each(${JSON.stringify(ids)}))
          AND last_node_id IS NOT NULL AND last_node_id != ${self.nodeId}`);
      return rows.map((r) => r.id);
    },

    /** The instance's lease holder, or null when nobody holds it. */
    async holder(instanceId: string): Promise<LeaseHolder | null> {
      const rows = await db.all<{ node_id: string | null; incarnation: string | null; generation: number; live: number }>(
        sql`SELECT node_id, incarnation, generation, expires_at > ${DB_NOW} AS live FROM ${leases} WHERE instance_id = ${instanceId}`,
      );
      const row = rows[0];
      if (!row?.node_id || !row.incarnation) return null;
      return { nodeId: row.node_id, incarnation: row.incarnation, generation: Number(row.generation), live: Number(row.live) === 1 };
    },

    /** Every registered node with its unexpired lease count, and whether it is live. */
    async nodes(): Promise<PeerNode[]> {
      const rows = await db.all<{
        id: string;
        incarnation: string;
        gateway_url: string;
        api_url: string;
        capacity: number;
        draining: number;
        age: number;
        leases: number;
      }>(sql`SELECT n.id, n.incarnation, n.gateway_url, n.api_url, n.capacity, n.draining, ${DB_NOW} - n.heartbeat_at AS age,
          (SELECT count(*) FROM ${leases} l WHERE l.node_id = n.id AND l.expires_at > ${DB_NOW}) AS leases
        FROM ${nodes} n`);
      return rows.map((r) => ({
        id: r.id,
        incarnation: r.incarnation,
        gatewayUrl: r.gateway_url,
        apiUrl: r.api_url,
        capacity: Number(r.capacity),
        leases: Number(r.leases),
        draining: Number(r.draining) === 1,
        live: Number(r.age) < ttlMs,
        heartbeatAgeMs: Number(r.age),
      }));
    },

    /** Marks this node draining (or not) at once, ahead of its next heartbeat. */
    async setDraining(draining: boolean): Promise<void> {
      await db.run(sql`UPDATE ${nodes} SET draining = ${draining ? 1 : 0} WHERE id = ${self.nodeId}`);
    },

    /** A graceful exit: the node's row goes, so peers stop counting it at once. */
    async leave(): Promise<void> {
      await db.run(sql`DELETE FROM ${nodes} WHERE id = ${self.nodeId} AND incarnation = ${self.incarnation}`);
    },
  };
}

export type ClusterStore = ReturnType<typeof createClusterStore>;
