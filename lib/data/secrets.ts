import { and, asc, eq, inArray, sql } from "drizzle-orm";
import { encryptSecret } from "../crypto/secret-box";
import type { Db } from "../db/client";
import { instanceSecrets } from "../db/schema";
import { UnprocessableError } from "../errors";
import { SECRETS_PER_INSTANCE, type SecretChanges } from "../validations/secrets";
import type { Actor } from "./context";
import { getInstance } from "./instances";

/** A secret as listed: its name and when it was last set, never its value. */
export type SecretView = { name: string; updatedAt: string };

/** The secrets of one of the acting user's instances, by name. */
export async function listSecrets(db: Db, actor: Actor, instanceId: string): Promise<SecretView[]> {
  await getInstance(db, actor, instanceId);
  return secretRows(db, instanceId);
}

/**
 * Sets and unsets secrets of one of the acting user's instances in one transaction, values
 * encrypted under the platform key. More than SECRETS_PER_INSTANCE afterwards is a 422 and
 * nothing changes. `changed` says whether the instance's environment may differ now.
 */
export async function applySecretChanges(
  db: Db,
  actor: Actor,
  instanceId: string,
  changes: SecretChanges,
  encryptionKey: string,
  now: Date,
): Promise<{ secrets: SecretView[]; changed: boolean }> {
  await getInstance(db, actor, instanceId);
  const setNames = Object.keys(changes.set);
  if (setNames.length === 0 && changes.unset.length === 0) return { secrets: await secretRows(db, instanceId), changed: false };
  // An empty `unset` deletes nothing (drizzle's inArray on [] is `false`).
  const unset = db.delete(instanceSecrets).where(and(eq(instanceSecrets.instanceId, instanceId), inArray(instanceSecrets.name, changes.unset)));
  const upserts = Object.entries(changes.set).map(([name, value]) => {
    const valueEnc = encryptSecret(value, encryptionKey);
    return db
      .insert(instanceSecrets)
      .values({ instanceId, name, valueEnc, updatedAt: now })
      .onConflictDoUpdate({ target: [instanceSecrets.instanceId, instanceSecrets.name], set: { valueEnc, updatedAt: now } });
  });
  // The limit is checked inside the transaction, so racing changes cannot pass it together: over
  // it, this statement breaks the NOT NULL on instance_id and the whole batch rolls back.
  const limit = db.run(
    sql`INSERT INTO instance_secrets (instance_id, name, value_enc) SELECT NULL, '', '' WHERE (SELECT count(*) FROM instance_secrets WHERE instance_id = ${instanceId}) > ${SECRETS_PER_INSTANCE}`,
  );
  let removed: number;
  try {
    const [deleted] = await db.batch([unset, ...upserts, limit]);
    removed = deleted.rowsAffected;
  } catch (err) {
    assertWithinLimit(new Set((await secretRows(db, instanceId)).map((s) => s.name)), changes);
    throw err;
  }
  return { secrets: await secretRows(db, instanceId), changed: setNames.length > 0 || removed > 0 };
}

async function secretRows(db: Db, instanceId: string): Promise<SecretView[]> {
  const rows = await db
    .select({ name: instanceSecrets.name, updatedAt: instanceSecrets.updatedAt })
    .from(instanceSecrets)
    .where(eq(instanceSecrets.instanceId, instanceId))
    .orderBy(asc(instanceSecrets.name));
  return rows.map((r) => ({ name: r.name, updatedAt: r.updatedAt.toISOString() }));
}

/** 422 when applying `changes` to `names` would leave more secrets than allowed. */
function assertWithinLimit(names: Set<string>, changes: SecretChanges): void {
  const after = new Set(names);
  for (const name of changes.unset) after.delete(name);
  for (const name of Object.keys(changes.set)) after.add(name);
  if (after.size <= SECRETS_PER_INSTANCE) return;
  const message = `An instance can have at most ${SECRETS_PER_INSTANCE} secrets; this change would leave ${after.size}.`;
  throw new UnprocessableError(message, { formErrors: [message], fieldErrors: {} });
}
