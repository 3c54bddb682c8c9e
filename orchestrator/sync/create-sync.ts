import type { Logger } from "../logger";
import type { ObjectStorage } from "../storage/object-storage";
import type { TenantPaths } from "../tenant/paths";
import { type FingerprintScope, fingerprintTenant } from "./fingerprint";
import { tenantPrefix } from "./keys";
import { storedGenerations } from "./manifest-store";
import { type PruneOptions, type PruneResult, pruneSnapshots } from "./prune";
import { type ReplicaSource, restoreSnapshot } from "./restore";
import { defaultSqliteCli, type SqliteCli } from "./sqlite-snapshot";
import type { FileOwner } from "./tenant-file";
import { type SnapshotOptions, type SnapshotResult, uploadSnapshot } from "./upload";

export type { FileOwner } from "./tenant-file";
export type { ReplicaSource } from "./restore";
export type { SnapshotOptions } from "./upload";
export { readSyncState, writeSyncState } from "./sync-state";

/** Snapshots of tenants in object storage: upload, restore, change detection, deletion. */
export interface Sync {
  /**
   * Consistent snapshot of the tenant uploaded as `generation`; safe while PocketBase runs. Never
   * modifies or deletes tenant files, never follows a tenant's link, reads only files `owner`
   * (default: this process's uid) owns, and runs SQLite as `owner` when that is another user.
   * Fails when the tenant has more than `maxFiles` files.
   */
  upload(instanceId: string, paths: TenantPaths, generation: number, owner?: FileOwner, options?: SnapshotOptions): Promise<SnapshotResult>;
  /**
   * Restores `generation` into paths (data/hooks/migrations), replacing them atomically, files given
   * to `owner`; meta/ is kept. data.db comes from `replica` instead when it is newer than the
   * generation's copy (or always, when the restore is to a point in time). generation 0 = no
   * snapshot stored: empty folders, plus data.db from the replica if it has one.
   */
  restore(instanceId: string, paths: TenantPaths, generation: number, owner?: FileOwner, replica?: ReplicaSource): Promise<void>;
  /** Cheap fingerprint (sizes + mtimes, incl. WAL files unless only "files") of everything persisted, to detect changes between periodic snapshots. */
  fingerprint(paths: TenantPaths, scope?: FingerprintScope): Promise<string>;
  /** Newest generation found in storage for the instance (0 if none). */
  latestGeneration(instanceId: string): Promise<number>;
  /** Deletes every stored object of the instance. */
  purge(instanceId: string): Promise<void>;
  /**
   * Deletes the complete generations not in `keep` (never the newest); with `collect`, also what
   * no kept generation references (see prune.ts). Run it in the instance's queue, never
   * concurrently with an upload of the same instance.
   */
  prune(instanceId: string, keep: Iterable<number>, options?: PruneOptions): Promise<PruneResult>;
}

/** Tuning knobs; the defaults were measured with bench/stop-upload.ts on a 2-core host. */
export type SyncOptions = {
  /** zstd level of the database copies: 1 compresses a 100 MB database in well under a second on one core (bench/stop-upload.ts). */
  zstdLevel: number;
  uploadConcurrency: number;
  downloadConcurrency: number;
  /** Files (besides the databases) a tenant may have; a snapshot of more fails (TENANT_MAX_FILES). */
  maxFiles: number;
  /** The `sqlite3` shell used to snapshot databases as the tenant. */
  sqlite: SqliteCli;
};

const defaultOptions = (): SyncOptions => ({
  zstdLevel: 1,
  uploadConcurrency: 4,
  downloadConcurrency: 8,
  maxFiles: 100_000,
  sqlite: defaultSqliteCli,
});

/** Creates the sync service over an object store. */
export function createSync(deps: { storage: ObjectStorage; log: Logger; options?: Partial<SyncOptions>; now?: () => Date }): Sync {
  const { storage, log } = deps;
  const options = { ...defaultOptions(), ...deps.options };
  const now = deps.now ?? (() => new Date());

  return {
    async upload(instanceId, paths, generation, owner, snapshot = { databases: "copy", reason: "schedule" }) {
      const uploadDeps = {
        storage,
        log,
        zstdLevel: options.zstdLevel,
        concurrency: options.uploadConcurrency,
        maxFiles: options.maxFiles,
        sqlite: options.sqlite,
        now,
      };
      try {
        return await uploadSnapshot(uploadDeps, instanceId, paths, generation, owner, snapshot);
      } catch (err) {
        log.error({ err, instanceId, generation, root: paths.root }, "snapshot upload failed; local files kept");
        throw err;
      }
    },

    async restore(instanceId, paths, generation, owner, replica) {
      try {
        await restoreSnapshot({ storage, log, concurrency: options.downloadConcurrency }, instanceId, paths, generation, owner, replica);
      } catch (err) {
        log.error({ err, instanceId, generation, root: paths.root }, "snapshot restore failed; local files unchanged");
        throw err;
      }
    },

    fingerprint: fingerprintTenant,

    async latestGeneration(instanceId) {
      return (await storedGenerations(storage, instanceId)).at(-1) ?? 0;
    },

    async purge(instanceId) {
      const deleted = await storage.deletePrefix(tenantPrefix(instanceId));
      log.info({ instanceId, deleted }, "purged stored snapshots");
    },

    prune: (instanceId, keep, pruning = { collect: true }) => pruneSnapshots(storage, log, instanceId, keep, pruning),
  };
}
