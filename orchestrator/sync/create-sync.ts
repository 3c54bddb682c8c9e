import os from "node:os";
import type { Logger } from "../logger";
import type { ObjectStorage } from "../storage/object-storage";
import type { TenantPaths } from "../tenant/paths";
import { fingerprintTenant } from "./fingerprint";
import { tenantPrefix } from "./keys";
import { storedGenerations } from "./manifest-store";
import { type PruneResult, pruneSnapshots } from "./prune";
import { restoreSnapshot } from "./restore";
import { type SnapshotResult, uploadSnapshot } from "./upload";

export type { PruneResult } from "./prune";
export type { SnapshotResult } from "./upload";
export { readSyncState, writeSyncState, type SyncState } from "./sync-state";

/** Snapshots of tenants in object storage: upload, restore, change detection, deletion. */
export interface Sync {
  /** Consistent snapshot of the tenant uploaded as `generation`; safe while PocketBase runs. Never modifies or deletes tenant files. */
  upload(instanceId: string, paths: TenantPaths, generation: number): Promise<SnapshotResult>;
  /** Restores `generation` into paths (data/hooks/migrations), replacing them atomically; meta/ is kept. generation 0 = nothing stored: just ensure empty dirs exist. */
  restore(instanceId: string, paths: TenantPaths, generation: number): Promise<void>;
  /** Cheap fingerprint (sizes + mtimes, incl. WAL files) of everything persisted, to detect changes between periodic snapshots. */
  fingerprint(paths: TenantPaths): Promise<string>;
  /** Newest generation found in storage for the instance (0 if none). */
  latestGeneration(instanceId: string): Promise<number>;
  /** Deletes every stored object of the instance. */
  purge(instanceId: string): Promise<void>;
  /**
   * Keeps the newest `keep` generations, deleting older ones and unreferenced blobs. Run it in the
   * instance's queue, never concurrently with an upload of the same instance.
   */
  prune(instanceId: string, keep: number): Promise<PruneResult>;
}

/** Tuning knobs; the defaults were measured with bench/stop-upload.ts on a 2-core host. */
export type SyncOptions = {
  /** gzip level for databases: 1 compresses ~100 MB/s per core to ~30% on typical rows; 3-6 save 10-20% more for 2-5x the time. */
  gzipLevel: number;
  /** Chunks compressed at once (libuv threads). */
  gzipParallelism: number;
  gzipChunkBytes: number;
  uploadConcurrency: number;
  downloadConcurrency: number;
};

const defaultOptions = (): SyncOptions => ({
  gzipLevel: 1,
  gzipParallelism: Math.min(2, os.availableParallelism()),
  gzipChunkBytes: 4 * 1024 * 1024,
  uploadConcurrency: 4,
  downloadConcurrency: 8,
});

/** Creates the sync service over an object store. */
export function createSync(deps: { storage: ObjectStorage; log: Logger; options?: Partial<SyncOptions>; now?: () => Date }): Sync {
  const { storage, log } = deps;
  const options = { ...defaultOptions(), ...deps.options };
  const now = deps.now ?? (() => new Date());

  return {
    async upload(instanceId, paths, generation) {
      const gzip = { level: options.gzipLevel, parallelism: options.gzipParallelism, chunkBytes: options.gzipChunkBytes };
      const uploadDeps = { storage, log, gzip, concurrency: options.uploadConcurrency, now };
      try {
        return await uploadSnapshot(uploadDeps, instanceId, paths, generation);
      } catch (err) {
        log.error({ err, instanceId, generation, root: paths.root }, "snapshot upload failed; local files kept");
        throw err;
      }
    },

    async restore(instanceId, paths, generation) {
      try {
        await restoreSnapshot({ storage, log, concurrency: options.downloadConcurrency }, instanceId, paths, generation);
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

    prune: (instanceId, keep) => pruneSnapshots(storage, log, instanceId, keep),
  };
}
