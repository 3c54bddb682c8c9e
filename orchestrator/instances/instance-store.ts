import { randomBytes } from "node:crypto";
import { and, count, desc, eq, getTableColumns, inArray, isNull, ne, notInArray, or, type SQL, sql } from "drizzle-orm";
import type { Db } from "../../lib/db/client";
import { customDomains, instanceEvents, instances, snapshots, type DesiredState, type Instance, type NewInstance } from "../../lib/db/schema";
import { ConflictError, NotFoundError, QuotaExceededError } from "../../lib/errors";
import type { EventBus } from "./event-bus";
import type { SnapshotReason } from "../sync/manifest";
import { TRANSITIONS, type TransitionName } from "./status-machine";

const EVENTS_KEPT_PER_INSTANCE = 200;
/** Ids per `IN (…)` query: far below SQLite's bound-parameter limit. */
const ID_CHUNK = 500;

/** Random, URL-safe, lower-case id (also used as the tenant's folder name). */
export function newInstanceId(): string {
  return randomBytes(10)
    .toString("base64url")
    .toLowerCase()
    .replace(/[^a-z0-9]/g, "x");
}

/**
 * Inserts only while the owner has fewer than `quota` instances: the count and the insert are one
 * `INSERT … SELECT … WHERE` statement, which SQLite (a `file:` DB or sqld) runs under its write
 * lock, so parallel creates cannot all pass a check made before any of them inserted.
 */
async function insertWithinQuota(db: Db, values: NewInstance, quota: number): Promise<boolean> {
  const columns = getTableColumns(instances);
  const keys = (Object.keys(values) as (keyof NewInstance)[]).filter((k) => values[k] !== undefined);
  const names = sql.join(
    keys.map((k) => sql.identifier(columns[k].name)),
    sql`, `,
  );
  const params = sql.join(
    keys.map((k) => sql.param(values[k], columns[k])),
    sql`, `,
  );
  const result = await db.run(sql`INSERT INTO ${instances} (${names}) SELECT ${params}
    WHERE (SELECT count(*) FROM ${instances} WHERE ${instances.ownerId} = ${values.ownerId}) < ${quota}`);
  return result.rowsAffected === 1;
}

/** The orchestrator's reads and writes of instances; every change is published on the bus. */
export type InstanceStore = ReturnType<typeof createInstanceStore>;

/** Creates the store over the control DB. */
export function createInstanceStore({ db, bus, now = () => new Date() }: { db: Db; bus: EventBus; now?: () => Date }) {
  async function get(id: string): Promise<Instance> {
    const [row] = await db.select().from(instances).where(eq(instances.id, id));
    if (!row) throw new NotFoundError(`Instance ${id} not found.`);
    return row;
  }

  /** Writes fields of an instance; its status changes only through transition(), its desired state through setDesiredState(). */
  async function update(id: string, values: Omit<Partial<NewInstance>, "status" | "desiredState">): Promise<Instance> {
    return write(id, values);
  }

  async function write(id: string, values: Omit<Partial<NewInstance>, "status">): Promise<Instance> {
    const [row] = await db
      .update(instances)
      .set({ ...values, updatedAt: now() })
      .where(eq(instances.id, id))
      .returning();
    if (!row) throw new NotFoundError(`Instance ${id} not found.`);
    bus.publish({ type: "instance", instance: row });
    return row;
  }

  /** Deletes the instance's events beyond the newest EVENTS_KEPT_PER_INSTANCE. */
  function trimEvents(instanceId: string) {
    const keep = db
      .select({ id: instanceEvents.id })
      .from(instanceEvents)
      .where(eq(instanceEvents.instanceId, instanceId))
      .orderBy(desc(instanceEvents.id))
      .limit(EVENTS_KEPT_PER_INSTANCE);
    return db.delete(instanceEvents).where(and(eq(instanceEvents.instanceId, instanceId), notInArray(instanceEvents.id, keep)));
  }

  /** Records a lifecycle event for the dashboard's timeline and keeps only the newest ones (one transaction). */
  async function recordEvent(instanceId: string, type: string, message: string): Promise<void> {
    const [[event]] = await db.batch([db.insert(instanceEvents).values({ instanceId, type, message, createdAt: now() }).returning(), trimEvents(instanceId)]);
    if (event) bus.publish({ type: "instance-event", event });
  }

  return {
    get,
    update,
    async find(id: string): Promise<Instance | undefined> {
      const [row] = await db.select().from(instances).where(eq(instances.id, id));
      return row;
    },
    async findBySubdomain(subdomain: string): Promise<Instance | undefined> {
      const [row] = await db.select().from(instances).where(eq(instances.subdomain, subdomain));
      return row;
    },
    /**
     * The instances the reconciler may have to act on: meant to run, or not settled as stopped or
     * failed (running, starting, stopping, sync_failed). The rest (stopped and meant to be) need
     * nothing, so a pass costs what runs, not what is registered.
     */
    listUnsettled(): Promise<Instance[]> {
      return db
        .select()
        .from(instances)
        .where(or(eq(instances.desiredState, "running"), notInArray(instances.status, ["stopped", "failed"])));
    },
    /** Each instance's own idle timeout (null: the platform default), for the given ids. */
    async idleTimeouts(ids: string[]): Promise<Map<string, number | null>> {
      const out = new Map<string, number | null>();
      for (let i = 0; i < ids.length; i += ID_CHUNK) {
        const rows = await db
          .select({ id: instances.id, minutes: instances.idleTimeoutMinutes })
          .from(instances)
          .where(inArray(instances.id, ids.slice(i, i + ID_CHUNK)));
        for (const row of rows) out.set(row.id, row.minutes);
      }
      return out;
    },
    /** Throws the quota error when `ownerId` already has `quota` instances (a cheap early check; `create` is the atomic one). */
    async assertBelowQuota(ownerId: string, quota: number): Promise<void> {
      const [owned] = await db.select({ n: count() }).from(instances).where(eq(instances.ownerId, ownerId));
      if ((owned?.n ?? 0) >= quota) throw new QuotaExceededError(quota, owned?.n ?? quota);
    },
    /** Inserts an instance; with `quota`, only while its owner has fewer than that many (else 403). */
    async create(values: NewInstance, quota?: number): Promise<Instance> {
      try {
        if (quota === undefined) await db.insert(instances).values(values);
        else if (!(await insertWithinQuota(db, values, quota))) {
          const [owned] = await db.select({ n: count() }).from(instances).where(eq(instances.ownerId, values.ownerId));
          throw new QuotaExceededError(quota, owned?.n ?? quota);
        }
        const row = await get(values.id);
        bus.publish({ type: "instance", instance: row });
        return row;
      } catch (err) {
        if (/UNIQUE constraint failed: instances\.subdomain/.test(String((err as Error).cause ?? err))) {
          throw new ConflictError(`The subdomain "${values.subdomain}" is already taken.`);
        }
        throw err;
      }
    },
    async remove(id: string): Promise<void> {
      const row = await get(id);
      await db.delete(snapshots).where(eq(snapshots.instanceId, id));
      await db.delete(instanceEvents).where(eq(instanceEvents.instanceId, id));
      // Also cascaded by the foreign key; explicit so a verified name is freed even where the pragma is off.
      await db.delete(customDomains).where(eq(customDomains.instanceId, id));
      await db.delete(instances).where(eq(instances.id, id));
      bus.publish({ type: "instance-deleted", id, subdomain: row.subdomain });
    },
    recordEvent,
    /** The state the instance should converge to; only the instance controller sets it. Written (and published) only when it changes. */
    async setDesiredState(id: string, desiredState: DesiredState): Promise<Instance> {
      const [row] = await db
        .update(instances)
        .set({ desiredState, updatedAt: now() })
        .where(and(eq(instances.id, id), ne(instances.desiredState, desiredState)))
        .returning();
      if (!row) return get(id); // already so (or 404)
      bus.publish({ type: "instance", instance: row });
      return row;
    },
    /**
     * Moves the instance's status along one transition of status-machine.ts (with `values`, e.g.
     * its port) in one conditional update, then records the transition's event with `message`.
     * Refused with a 409, writing nothing, when its current status does not allow the transition.
     */
    async transition(id: string, name: TransitionName, message: string, values: Omit<Partial<NewInstance>, "status"> = {}): Promise<Instance> {
      const t = TRANSITIONS[name];
      const at = now();
      // One round trip and one transaction (a wake waits for two of these): the event is inserted
      // only if the update changed the row (SQLite's changes() of the statement just before).
      const [[row], [inserted]] = await db.batch([
        db
          .update(instances)
          .set({ ...values, status: t.to, updatedAt: at })
          .where(and(eq(instances.id, id), inArray(instances.status, [...t.from])))
          .returning(),
        db.all<{ id: number }>(sql`INSERT INTO ${instanceEvents} (instance_id, type, message, created_at)
          SELECT ${id}, ${t.event}, ${message}, ${at.getTime()} WHERE changes() = 1 RETURNING id`),
        trimEvents(id),
      ]);
      if (!row) throw new ConflictError(`Instance ${id} cannot go from "${(await get(id)).status}" to "${t.to}" (${name}).`);
      bus.publish({ type: "instance", instance: row });
      if (inserted) bus.publish({ type: "instance-event", event: { id: inserted.id, instanceId: id, type: t.event, message, createdAt: at } });
      return row;
    },
    /** Marks a snapshot confirmed in object storage and advances the instance's generation. */
    /**
     * Hands the next snapshot generation number to an upload by the lease holder `fence` names (one
     * statement: checked where it lands). Numbers are never handed out twice, so an upload by a
     * node that lost the lease meanwhile never writes objects under a number another node uses.
     * `atLeast`: the highest this host used before (an upload it could not record). Null when
     * `fence` no longer holds.
     */
    async reserveGeneration(instanceId: string, atLeast: number, fence: SQL): Promise<number | null> {
      const rows = await db.all<{ reserved: number }>(sql`UPDATE ${instances}
        SET reserved_generation = max(reserved_generation, generation, ${atLeast}) + 1
        WHERE id = ${instanceId} AND ${fence}
        RETURNING reserved_generation AS reserved`);
      return rows[0] ? Number(rows[0].reserved) : null;
    },
    /**
     * Records a stored snapshot, only while `fence` (the uploader's lease) still holds, checked in
     * the statement that moves the instance's generation (never backwards, whatever order uploads
     * confirm in). Null, recording nothing, when the lease was lost: the upload is not the
     * instance's any more.
     */
    async recordSnapshot(instanceId: string, s: { generation: number; manifestKey: string; sizeBytes: number; reason: SnapshotReason }, fence: SQL) {
      const at = now().getTime();
      const newer = sql`generation < ${s.generation}`;
      // One batch (one transaction), each statement under the fence: both land or neither does.
      const [moved] = await db.batch([
        db.all<{ id: string }>(sql`UPDATE ${instances}
          SET storage_bytes = CASE WHEN ${newer} THEN ${s.sizeBytes} ELSE storage_bytes END,
              updated_at = CASE WHEN ${newer} THEN ${at} ELSE updated_at END,
              generation = max(generation, ${s.generation})
          WHERE id = ${instanceId} AND ${fence}
          RETURNING id`),
        db.run(sql`INSERT INTO ${snapshots} (instance_id, generation, manifest_key, size_bytes, reason, created_at)
          SELECT ${instanceId}, ${s.generation}, ${s.manifestKey}, ${s.sizeBytes}, ${s.reason}, ${at} WHERE ${fence}
          ON CONFLICT DO NOTHING`),
      ]);
      if (moved.length === 0) return null;
      const row = await get(instanceId);
      bus.publish({ type: "instance", instance: row });
      return row;
    },
    /** The instance's own unprivileged uid, allocated on first use from a counter that never goes back. */
    async ensureTenantUid(id: string, base: number): Promise<number> {
      const existing = (await get(id)).tenantUid;
      if (existing !== null) return existing;
      // One statement, so concurrent allocations never share a value; the counter only grows (a
      // deleted instance's uid is never handed out again). It starts above any uid already in use.
      const result = await db.run(sql`
        INSERT INTO counters (name, value)
          SELECT 'tenant_uid', max(${base}, coalesce(max(${instances.tenantUid}) + 1, ${base})) FROM ${instances} WHERE true
        ON CONFLICT (name) DO UPDATE SET value = counters.value + 1
        RETURNING value`);
      const uid = Number(result.rows[0]?.value);
      if (!Number.isSafeInteger(uid)) throw new Error(`Could not allocate a uid for instance ${id}`);
      await db
        .update(instances)
        .set({ tenantUid: uid })
        .where(and(eq(instances.id, id), isNull(instances.tenantUid)));
      // Lost a race with another allocation for this same instance: theirs stands, ours is skipped for good.
      return (await get(id)).tenantUid ?? uid;
    },
    /** The instance's stored generations, newest first. */
    listSnapshots(instanceId: string) {
      return db.select().from(snapshots).where(eq(snapshots.instanceId, instanceId)).orderBy(desc(snapshots.generation));
    },
    /** Drops DB records of generations pruned from object storage (all but `kept`, and never the newest). */
    async forgetSnapshotsExcept(instanceId: string, kept: Iterable<number>): Promise<void> {
      const [newest] = await db
        .select({ generation: snapshots.generation })
        .from(snapshots)
        .where(eq(snapshots.instanceId, instanceId))
        .orderBy(desc(snapshots.generation))
        .limit(1);
      const keep = [...kept, newest?.generation ?? 0];
      await db.delete(snapshots).where(and(eq(snapshots.instanceId, instanceId), notInArray(snapshots.generation, keep)));
    },
  };
}
