import { randomBytes } from "node:crypto";
import { and, desc, eq, isNull, lt, notInArray, sql } from "drizzle-orm";
import type { Db } from "../../lib/db/client";
import { instanceEvents, instances, snapshots, type Instance, type NewInstance } from "../../lib/db/schema";
import { ConflictError, NotFoundError } from "../../lib/errors";
import type { EventBus } from "./event-bus";

const EVENTS_KEPT_PER_INSTANCE = 200;

/** Random, URL-safe, lower-case id (also used as the tenant's folder name). */
export function newInstanceId(): string {
  return randomBytes(10).toString("base64url").toLowerCase().replace(/[^a-z0-9]/g, "x");
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

  async function update(id: string, values: Partial<NewInstance>): Promise<Instance> {
    const [row] = await db
      .update(instances)
      .set({ ...values, updatedAt: now() })
      .where(eq(instances.id, id))
      .returning();
    if (!row) throw new NotFoundError(`Instance ${id} not found.`);
    bus.publish({ type: "instance", instance: row });
    return row;
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
    list(): Promise<Instance[]> {
      return db.select().from(instances);
    },
    async create(values: NewInstance): Promise<Instance> {
      try {
        const [row] = await db.insert(instances).values(values).returning();
        if (!row) throw new Error("insert returned no row");
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
      await db.delete(instances).where(eq(instances.id, id));
      bus.publish({ type: "instance-deleted", id, subdomain: row.subdomain });
    },
    /** Records a lifecycle event for the dashboard's timeline and keeps only the newest ones. */
    async recordEvent(instanceId: string, type: string, message: string): Promise<void> {
      const [event] = await db.insert(instanceEvents).values({ instanceId, type, message, createdAt: now() }).returning();
      if (event) bus.publish({ type: "instance-event", event });
      const keep = db
        .select({ id: instanceEvents.id })
        .from(instanceEvents)
        .where(eq(instanceEvents.instanceId, instanceId))
        .orderBy(desc(instanceEvents.id))
        .limit(EVENTS_KEPT_PER_INSTANCE);
      await db
        .delete(instanceEvents)
        .where(and(eq(instanceEvents.instanceId, instanceId), notInArray(instanceEvents.id, keep)));
    },
    /** Marks a snapshot confirmed in object storage and advances the instance's generation. */
    async recordSnapshot(instanceId: string, s: { generation: number; manifestKey: string; sizeBytes: number }) {
      await db
        .insert(snapshots)
        .values({ instanceId, ...s, createdAt: now() })
        .onConflictDoNothing();
      // Never move the generation backwards, whatever order uploads confirm in.
      await db
        .update(instances)
        .set({ generation: s.generation, storageBytes: s.sizeBytes, updatedAt: now() })
        .where(and(eq(instances.id, instanceId), lt(instances.generation, s.generation)));
      const row = await get(instanceId);
      bus.publish({ type: "instance", instance: row });
      return row;
    },
    /** The instance's own unprivileged uid, allocated on first use as one past the highest taken. */
    async ensureTenantUid(id: string, base: number): Promise<number> {
      for (let attempt = 0; attempt < 5; attempt++) {
        const row = await get(id);
        if (row.tenantUid !== null) return row.tenantUid;
        const [top] = await db.select({ max: sql<number | null>`max(${instances.tenantUid})` }).from(instances);
        const uid = Math.max(base, (top?.max ?? base - 1) + 1);
        try {
          await db.update(instances).set({ tenantUid: uid }).where(and(eq(instances.id, id), isNull(instances.tenantUid)));
        } catch (err) {
          // Another instance took this uid at the same moment: read the new maximum and retry.
          if (!/UNIQUE constraint failed/.test(String((err as Error).cause ?? err))) throw err;
        }
      }
      throw new Error(`Could not allocate a uid for instance ${id}`);
    },
    /** Drops DB records of generations pruned from object storage. */
    async forgetSnapshotsBefore(instanceId: string, generation: number): Promise<void> {
      await db.delete(snapshots).where(and(eq(snapshots.instanceId, instanceId), lt(snapshots.generation, generation)));
    },
  };
}
