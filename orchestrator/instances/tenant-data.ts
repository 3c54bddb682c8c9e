import fs from "node:fs/promises";
import type { Instance } from "../../lib/db/schema";
import type { Logger } from "../logger";
import { type FileOwner, readSyncState, writeSyncState, type Sync } from "../sync/create-sync";
import type { TenantPaths } from "../tenant/paths";
import type { InstanceStore } from "./instance-store";

/** Generations kept in object storage per instance; older ones (and blobs only they use) are pruned. */
const SNAPSHOTS_KEPT = 10;

/** How a start obtained the tenant's files. */
export type DataSource = "local" | "restored" | "new";

async function exists(p: string): Promise<boolean> {
  return fs.access(p).then(
    () => true,
    () => false,
  );
}

/**
 * Puts the newest copy of the tenant's data in place before a start: the local folder when it is
 * at least as new as the generation confirmed in the DB, otherwise the stored snapshot (given to `owner`).
 */
export async function prepareTenantData(sync: Sync, instance: Instance, paths: TenantPaths, owner?: FileOwner): Promise<DataSource> {
  const local = await readSyncState(paths);
  if (local && local.generation >= instance.generation && (await exists(paths.dataDir))) return "local";
  await sync.restore(instance.id, paths, instance.generation, owner);
  // A new tenant's state is written only once it is provisioned (see markProvisioned), so a
  // first start that fails half-way provisions again next time.
  if (instance.generation === 0) return "new";
  await writeSyncState(paths, { generation: instance.generation, fingerprint: await sync.fingerprint(paths) });
  return "restored";
}

/** Records that a new tenant has its platform superuser and settings: later starts use the local copy. */
export function markProvisioned(paths: TenantPaths): Promise<void> {
  return writeSyncState(paths, { generation: 0, fingerprint: null });
}

/**
 * Uploads a new snapshot generation when the tenant's files changed since the last confirmed one.
 * Returns the new generation, or null when there was nothing to upload. Local files are untouched;
 * only files `owner` (the tenant's uid, when it has its own) owns are read.
 */
export async function uploadIfChanged(
  deps: { sync: Sync; store: InstanceStore; log: Logger },
  instanceId: string,
  paths: TenantPaths,
  owner?: FileOwner,
): Promise<number | null> {
  const state = await readSyncState(paths);
  if (!state) return null; // never started on this host: nothing local to upload
  const instance = await deps.store.get(instanceId);
  const fingerprint = await deps.sync.fingerprint(paths);
  if (state.fingerprint === fingerprint && state.generation <= instance.generation) return null;
  const generation = Math.max(instance.generation, state.generation) + 1;
  const started = Date.now();
  const result = await deps.sync.upload(instanceId, paths, generation, owner);
  await deps.store.recordSnapshot(instanceId, result);
  await writeSyncState(paths, { generation, fingerprint });
  try {
    await deps.sync.prune(instanceId, SNAPSHOTS_KEPT);
    await deps.store.forgetSnapshotsBefore(instanceId, generation - SNAPSHOTS_KEPT + 1);
  } catch (err) {
    // The new generation is safely stored; old ones are pruned again after the next upload.
    deps.log.warn({ err, instanceId }, "pruning old snapshots failed");
  }
  deps.log.info({ instanceId, generation, sizeBytes: result.sizeBytes, uploadedBytes: result.uploadedBytes, ms: Date.now() - started }, "snapshot uploaded");
  return generation;
}
