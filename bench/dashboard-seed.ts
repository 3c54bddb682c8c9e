// Seeds the control DB for bench/dashboard.ts straight through drizzle: the per-user quota applies
// only to creation through the API, and these instances are never started (desired and actual
// state "stopped", or "failed", which the reconciler leaves alone), so no PocketBase runs.
import { randomBytes } from "node:crypto";
import type { Db } from "../lib/db/client";
import { instanceEvents, instances, users, type NewInstance } from "../lib/db/schema";

type NewEvent = typeof instanceEvents.$inferInsert;

/**
 * What to seed: `owned` instances for `ownerId` (subdomains `<label>-app-<n>`, label unique per
 * call), and `othersPerUser` for each of `otherUsers` fresh users.
 */
export type SeedPlan = { ownerId: string; label: string; owned: number; otherUsers: number; othersPerUser: number; batch?: number };

/** What was seeded: the owned instance ids (newest first) and row counts. */
export type Seeded = { ownedIds: string[]; instances: number; events: number; users: number };

const newId = () => randomBytes(8).toString("hex");

async function insertBatched<T>(rows: T[], batch: number, insert: (chunk: T[]) => Promise<unknown>): Promise<void> {
  for (let i = 0; i < rows.length; i += batch) await insert(rows.slice(i, i + batch));
}

/** One instance row; every 10th is "failed" so the list shows more than one status. */
function instanceRow(ownerId: string, label: string, index: number, now: number): NewInstance {
  const id = newId();
  const failed = index % 10 === 9;
  return {
    id,
    ownerId,
    name: `${label} app ${index}`,
    subdomain: `${label}-app-${index}`,
    status: failed ? "failed" : "stopped",
    statusReason: failed ? "PocketBase exited during start (seeded)." : null,
    generation: index % 4,
    storageBytes: 1_000_000 + index * 4096,
    superuserEmail: `platform+${id}@picobase.internal`,
    superuserPasswordEnc: "seeded-never-decrypted",
    createdAt: new Date(now - index * 60_000),
    updatedAt: new Date(now - index * 30_000),
  };
}

/** A few lifecycle events per instance; owned instances get more so the detail page has a full list. */
function eventRows(instanceId: string, count: number, now: number): NewEvent[] {
  const types = ["created", "started", "stopped", "snapshot_uploaded"] as const;
  return Array.from({ length: count }, (_, i) => {
    const type = types[i % types.length] ?? "created";
    return { instanceId, type, message: `Seeded ${type} event ${i}.`, createdAt: new Date(now - (count - i) * 10_000) };
  });
}

/** Inserts users, instances and events in batches of `batch` rows (default 100). */
export async function seedDashboard(db: Db, plan: SeedPlan): Promise<Seeded> {
  const batch = plan.batch ?? 100;
  const now = Date.now();
  const otherUsers = Array.from({ length: plan.otherUsers }, (_, u) => ({
    id: newId(),
    name: `Seed user ${u}`,
    email: `seed-${u}-${newId()}@example.com`,
    passwordHash: "unused",
  }));
  await insertBatched(otherUsers, batch, (chunk) => db.insert(users).values(chunk));

  const owned = Array.from({ length: plan.owned }, (_, i) => instanceRow(plan.ownerId, plan.label, i, now));
  const others = otherUsers.flatMap((u, n) => Array.from({ length: plan.othersPerUser }, (_, i) => instanceRow(u.id, `${plan.label}-u${n}`, i, now)));
  const all = [...owned, ...others];
  await insertBatched(all, batch, (chunk) => db.insert(instances).values(chunk));

  // 25 events on the owned instances (more than the detail page's 20), 2 on everyone else's.
  const events = [...owned.flatMap((r) => eventRows(r.id, 25, now)), ...others.flatMap((r) => eventRows(r.id, 2, now))];
  await insertBatched(events, batch, (chunk) => db.insert(instanceEvents).values(chunk));
  return { ownedIds: owned.map((r) => r.id), instances: all.length, events: events.length, users: otherUsers.length };
}
