import fs from "node:fs/promises";
import type { SQL } from "drizzle-orm";
import type { Instance } from "../../lib/db/schema";
import { UnprocessableError } from "../../lib/errors";
import type { Logger } from "../logger";
import type { Replication } from "../replication/replication";
import { type FileOwner, type ReplicaSource, readSyncState, type SnapshotOptions, writeSyncState, type Sync } from "../sync/create-sync";
import type { SnapshotReason } from "../sync/manifest";
import { generationsToKeep } from "../sync/retention";
import type { TenantPaths } from "../tenant/paths";
import { phaseClock } from "../tools/phase-clock";
import type { InstanceStore } from "./instance-store";

/** A full collection (reading every kept manifest) runs at most this often per instance while it runs. */
const COLLECT_EVERY_MS = 3_600_000;

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
 * at least as new as the generation confirmed in the DB, otherwise the stored snapshot (given to
 * `owner`). (A local copy another node has superseded has no sync state any more: forgetLocalCopy.)
 */
export async function prepareTenantData(sync: Sync, instance: Instance, paths: TenantPaths, owner?: FileOwner, replication?: Replication): Promise<DataSource> {
  const local = await readSyncState(paths);
  if (local && local.generation >= instance.generation && (await exists(paths.dataDir))) return "local";
  const replica = await replicaSource(replication, instance.id);
  await sync.restore(instance.id, paths, instance.generation, owner, replica);
  // A new tenant's state is written only once it is provisioned (see markProvisioned), so a
  // first start that fails half-way provisions again next time. One that ran (and was replicated)
  // before its first snapshot was stored is not new.
  if (instance.generation === 0 && !replica?.txid) return "new";
  await writeSyncState(paths, { generation: instance.generation, fingerprint: await sync.fingerprint(paths) });
  return "restored";
}

/**
 * Another node has run the tenant since this one did: the local folder is older than the store, so
 * it is neither started from nor uploaded (both need its sync state, which goes here).
 */
export async function forgetLocalCopy(paths: TenantPaths): Promise<void> {
  await fs.rm(paths.syncStateFile, { force: true });
}

/** Records that a new tenant has its platform superuser and settings: later starts use the local copy. */
export function markProvisioned(paths: TenantPaths): Promise<void> {
  return writeSyncState(paths, { generation: 0, fingerprint: null });
}

/** What storing a snapshot needs; `collectedAt` remembers each instance's last full collection. */
export type UploadDeps = {
  sync: Sync;
  store: InstanceStore;
  log: Logger;
  replication?: Replication | undefined;
  /**
   * The replica lineage this node writes the tenant to and its newest transaction in the store
   * (0: none), read from the store itself, so copies record it even while replication is off (a
   * replica from an earlier run is then known to be older than them).
   */
  replicaPosition: (instanceId: string) => Promise<{ lineage: number; txid: number }>;
  restoreWindowMs: number;
  collectedAt: Map<string, number>;
  /**
   * The condition of this node's lease on the instance (fencing), undefined once it lost it: the
   * generation is reserved and the snapshot recorded only while it holds, checked in those statements.
   */
  fenceOf: (instanceId: string) => SQL | undefined;
  /** Whether this node may still act on the instance (its lease, by the local deadline): checked before each deletion of a prune. */
  leaseValid: (instanceId: string) => boolean;
};

/** The tenant's replica as a restore source: its newest state, or its state as of `at`. */
export async function replicaSource(replication: Replication | undefined, instanceId: string, at?: Date): Promise<ReplicaSource | undefined> {
  if (!replication) return undefined;
  const { lineage, txid } = await replication.storedPosition(instanceId);
  return { lineage, txid, pointInTime: at !== undefined, restoreTo: (dest) => replication.restore(instanceId, dest, at) };
}

/** What a restore to a point in time uses: the files of a stored generation, data.db from the replica when it reaches back that far. */
export type RestorePoint = { generation: number; replica: ReplicaSource | undefined };

/**
 * Where the tenant's state as of `at` comes from: the newest snapshot generation taken at or before
 * it (its files; its database copies too, when the replica does not reach back to `at`), and the
 * replica as of `at` when its window covers it. Throws 422 when nothing stored covers `at`.
 */
export async function restorePointOf(deps: Pick<UploadDeps, "store" | "replication">, instanceId: string, at: Date): Promise<RestorePoint> {
  if (at.getTime() > Date.now()) throw new UnprocessableError("The restore point is in the future.", { fieldErrors: { at: ["Choose a moment in the past."] } });
  const stored = await deps.store.listSnapshots(instanceId); // newest first
  const snapshot = stored.find((s) => s.createdAt.getTime() <= at.getTime());
  const window = deps.replication ? await deps.replication.window(instanceId) : null;
  const covered = window !== null && Date.parse(window.from) <= at.getTime();
  if (!covered && !snapshot) {
    const earliest = window?.from ?? stored.at(-1)?.createdAt.toISOString();
    throw new UnprocessableError(earliest ? `Nothing is stored from before ${earliest}.` : "This instance has no backups yet.", {
      fieldErrors: { at: ["Choose a moment inside the restore window."] },
    });
  }
  return {
    generation: snapshot?.generation ?? stored.at(-1)?.generation ?? 0,
    replica: covered ? await replicaSource(deps.replication, instanceId, at) : undefined,
  };
}

/**
 * Uploads a new snapshot generation when the tenant's files changed since the last confirmed one.
 * Returns the new generation, or null when there was nothing to upload. Local files are untouched;
 * only files `owner` (the tenant's uid, when it has its own) owns are read. A scheduled snapshot of
 * a tenant Litestream replicates stores its files only (the databases are carried over); every
 * other snapshot copies the databases too, noting how far the replica was then. Old generations
 * are pruned after it unless `prune` is false (the next upload does it); the log has each phase's time.
 */
export async function uploadIfChanged(
  deps: UploadDeps,
  instanceId: string,
  paths: TenantPaths,
  owner: FileOwner | undefined,
  reason: SnapshotReason,
  { prune = true }: { prune?: boolean } = {},
): Promise<number | null> {
  const clock = phaseClock();
  const state = await readSyncState(paths);
  if (!state) return null; // never started on this host: nothing local to upload
  const instance = await deps.store.get(instanceId);
  const carry = reason === "schedule" && deps.replication?.isReplicating(instanceId) === true;
  const fingerprint = await deps.sync.fingerprint(paths, carry ? "files" : "all");
  clock.mark("fingerprint");
  if (state.fingerprint === fingerprint && state.generation <= instance.generation) return null;
  const fence = deps.fenceOf(instanceId);
  const generation = fence && (await deps.store.reserveGeneration(instanceId, state.generation, fence));
  if (!fence || !generation) throw new LeaseLostError(instanceId);
  clock.mark("reserve");
  const started = Date.now();
  const options: SnapshotOptions = {
    databases: carry ? "carry" : "copy",
    reason,
    replicaPosition: () => deps.replicaPosition(instanceId),
    previousGeneration: instance.generation,
  };
  const result = await deps.sync.upload(instanceId, paths, generation, owner, options);
  clock.mark("upload");
  if (!(await deps.store.recordSnapshot(instanceId, result, fence))) throw new LeaseLostError(instanceId);
  await writeSyncState(paths, { generation, fingerprint });
  clock.mark("record");
  if (prune) await pruneGenerations(deps, instanceId, reason);
  clock.mark("prune");
  deps.log.info(
    { instanceId, generation, reason, sizeBytes: result.sizeBytes, uploadedBytes: result.uploadedBytes, ms: Date.now() - started, phasesMs: clock.phases },
    "snapshot uploaded",
  );
  return generation;
}

/** A snapshot refused because this node lost the instance's lease. */
export class LeaseLostError extends Error {
  constructor(instanceId: string) {
    super(`this node no longer holds the lease of instance ${instanceId}; its copy here is stale`);
  }
}

/**
 * Keeps the generations the retention policy wants (sync/retention.ts). Scheduled snapshots prune
 * lightly; a stop, or an hour since the last full collection, also deletes what nothing kept references.
 */
async function pruneGenerations(deps: UploadDeps, instanceId: string, reason: SnapshotReason): Promise<void> {
  const now = Date.now();
  const collect = reason !== "schedule" || now - (deps.collectedAt.get(instanceId) ?? 0) > COLLECT_EVERY_MS;
  try {
    const keep = generationsToKeep(await deps.store.listSnapshots(instanceId), now, deps.restoreWindowMs);
    await deps.sync.prune(instanceId, keep, { collect, mayDelete: () => deps.leaseValid(instanceId) });
    await deps.store.forgetSnapshotsExcept(instanceId, keep);
    if (collect) deps.collectedAt.set(instanceId, now);
  } catch (err) {
    // The new generation is safely stored; old ones are pruned again after the next upload.
    deps.log.warn({ err, instanceId }, "pruning old snapshots failed");
  }
}
