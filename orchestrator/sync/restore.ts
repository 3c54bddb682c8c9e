import fs from "node:fs/promises";
import path from "node:path";
import type { Logger } from "../logger";
import type { ObjectStorage } from "../storage/object-storage";
import type { TenantPaths } from "../tenant/paths";
import { type CachedHash, createHashCacheWriter, hashCacheFile, type HashCacheWriter } from "./hash-cache";
import { codecOfKey } from "./codecs";
import { blobKey } from "./keys";
import type { Manifest, ManifestDatabase, ManifestFile } from "./manifest";
import { manifestFiles, readManifest } from "./manifest-store";
import { createOrderedPool, type OrderedPool } from "./ordered-pool";
import { removeTenantTree } from "./remove-tree";
import { withStaging } from "./staging";
import { swapInDirectories, tenantDirectories } from "./swap-directories";
import type { FileOwner } from "./tenant-file";
import { download, type Transferred } from "./transfer";

export type RestoreDeps = { storage: ObjectStorage; log: Logger; concurrency: number };

/**
 * The tenant's Litestream replica of data.db, as a restore sees it: the lineage read and its
 * newest stored transaction, whether the restore is to a point in time (then the replica is used
 * whatever the copies), and a way to write the database to a path.
 */
export type ReplicaSource = { lineage: number; txid: number; pointInTime: boolean; restoreTo(dest: string): Promise<void> };

/**
 * Whether data.db comes from the replica rather than from the generation's copy `copy`. A later
 * lineage began from the newest state there was (a takeover restores first), so it is newer than
 * any copy counted in an earlier one; within one lineage the transaction counts compare.
 */
export function useReplica(replica: ReplicaSource | undefined, copy: ManifestDatabase | undefined): replica is ReplicaSource {
  if (!replica || replica.txid === 0) return false;
  if (replica.pointInTime || !copy) return true;
  const copyLineage = copy.replicaLineage ?? 0;
  if (replica.lineage !== copyLineage) return replica.lineage > copyLineage;
  // A copy from before replication (no replicaTxid) is older than any replica.
  return replica.txid > (copy.replicaTxid ?? -1);
}

/** Downloads started but not yet recorded in the hash cache: bounds memory and open files. */
const WINDOW = 64;

/**
 * Replaces the tenant's pb_data, pb_hooks and pb_migrations with stored `generation`. Everything
 * is downloaded and verified in a staging folder beside the tenant first (ours alone, so nothing
 * there can be a tenant's symlink), given to `owner` there, and swapped in with renames, so a
 * failure leaves the local folders as they were; `meta/` is never touched (except the hash cache,
 * refreshed at the end). The tenant's previous folders are deleted without following any link.
 */
export async function restoreSnapshot(
  deps: RestoreDeps,
  instanceId: string,
  paths: TenantPaths,
  generation: number,
  owner?: FileOwner,
  replica?: ReplicaSource,
): Promise<void> {
  if (generation === 0 && !useReplica(replica, undefined)) {
    for (const dir of [paths.meta, ...tenantDirectories(paths).map((d) => d.target)]) await fs.mkdir(dir, { recursive: true });
    return;
  }
  const manifest = generation === 0 ? emptyManifest(instanceId) : await readManifest(deps.storage, instanceId, generation);
  // Staged on the tenant's volume: the folders it replaces live there, and renames stay on one filesystem.
  const parent = paths.volume;
  await fs.mkdir(parent, { recursive: true });
  await fs.mkdir(paths.meta, { recursive: true });
  const cache = createHashCacheWriter(hashCacheFile(paths));
  let committed = false;
  try {
    await withStaging({ parent, prefix: ".restore-", log: deps.log, remove: removeStaging }, async (staging) => {
      const fresh = path.join(staging, "new");
      await downloadAll(deps, manifest, fresh, cache, owner, replica);
      await swapInDirectories(tenantDirectories(paths), fresh, path.join(staging, "old"), deps.log);
      committed = true;
      await cache.commit();
    });
  } catch (err) {
    if (!committed) await cache.abort();
    throw err;
  }
}

/**
 * Deletes a restore's staging folder. A swap onto a new volume leaves only empty folders in it
 * (there were no previous folders), and rmdirs then spare a wake the fork of `rm` (8-10 ms in its
 * phase log). Anything else in it is deleted without following links; rmdir follows none either.
 */
async function removeStaging(staging: string): Promise<void> {
  try {
    for (const name of await fs.readdir(staging)) await fs.rmdir(path.join(staging, name));
    await fs.rmdir(staging);
  } catch {
    await removeTenantTree(staging);
  }
}

/** Downloads every database and file of `manifest` under `into`, verifying sizes and hashes. */
async function downloadAll(
  deps: RestoreDeps,
  manifest: Manifest,
  into: string,
  cache: HashCacheWriter,
  owner: FileOwner | undefined,
  replica: ReplicaSource | undefined,
): Promise<void> {
  for (const dir of ["pb_data", "pb_hooks", "pb_migrations"]) {
    await fs.mkdir(path.join(into, dir), { recursive: true });
    await giveTo(path.join(into, dir), owner);
  }
  const pool = createOrderedPool<CachedHash | null>({
    concurrency: deps.concurrency,
    window: WINDOW,
    onResult: (restored) => (restored ? cache.add(restored) : undefined),
  });
  const replicated = useReplica(
    replica,
    manifest.databases.find((d) => d.name === "data.db"),
  );
  try {
    if (replicated) await pool.push(() => restoreFromReplica(replica, into, owner));
    for (const db of manifest.databases) {
      if (db.name === "data.db" && replicated) continue;
      await pool.push(() => downloadDatabase(deps, db, into, owner, pool));
    }
    for await (const file of manifestFiles(deps.storage, manifest)) await pool.push(() => downloadFile(deps, manifest.instanceId, file, into, owner, pool));
    await pool.finish();
  } catch (err) {
    await pool.settle();
    throw err;
  }
}

/** Writes data.db from the Litestream replica (into our staging folder), then gives it to the tenant. */
async function restoreFromReplica(replica: ReplicaSource, into: string, owner: FileOwner | undefined): Promise<null> {
  const dest = path.join(into, "pb_data", "data.db");
  await replica.restoreTo(dest);
  await giveTo(dest, owner);
  return null;
}

/** What a tenant that never stored a snapshot restores from: no files, no database copies. */
function emptyManifest(instanceId: string): Manifest {
  return { format: 1, instanceId, generation: 1, createdAt: new Date(0).toISOString(), databases: [], files: [] };
}

async function downloadDatabase(
  deps: RestoreDeps,
  db: ManifestDatabase,
  into: string,
  owner: FileOwner | undefined,
  pool: OrderedPool<unknown>,
): Promise<null> {
  if (pool.aborted) return null;
  const dest = path.join(into, "pb_data", db.name);
  verify(await download(deps.storage, db.key, dest, { codec: codecOfKey(db.key) }), db, db.key);
  await giveTo(dest, owner);
  return null;
}

async function downloadFile(
  deps: RestoreDeps,
  instanceId: string,
  file: ManifestFile,
  into: string,
  owner: FileOwner | undefined,
  pool: OrderedPool<unknown>,
): Promise<CachedHash | null> {
  if (pool.aborted) return null;
  const dest = path.join(into, ...file.path.split("/"));
  const folder = path.dirname(dest);
  const created = await fs.mkdir(folder, { recursive: true });
  if (created) await giveFoldersTo(created, folder, owner);
  const key = blobKey(instanceId, file.sha256);
  verify(await download(deps.storage, key, dest, { mode: file.mode }), file, key);
  await fs.chmod(dest, file.mode); // the creation mode was reduced by the umask
  await giveTo(dest, owner);
  const stat = await fs.stat(dest); // renames keep mtimes, so these match the files once swapped in
  return { path: file.path, size: stat.size, mtimeMs: stat.mtimeMs, sha256: file.sha256 };
}

/** Gives a staged path to the tenant (staging is ours alone: no path in it can be a tenant's link). */
async function giveTo(p: string, owner: FileOwner | undefined): Promise<void> {
  if (owner) await fs.lchown(p, owner.uid, owner.gid);
}

/** Gives `first` (the top folder a recursive mkdir created) and each folder below it down to `last`. */
async function giveFoldersTo(first: string, last: string, owner: FileOwner | undefined): Promise<void> {
  if (!owner) return;
  let dir = first;
  await giveTo(dir, owner);
  for (const segment of path.relative(first, last).split(path.sep).filter(Boolean)) {
    dir = path.join(dir, segment);
    await giveTo(dir, owner);
  }
}

function verify(got: Transferred, expected: { sha256: string; size: number }, key: string): void {
  if (got.sha256 !== expected.sha256 || got.size !== expected.size) {
    throw new Error(`Stored object ${key} is corrupt: expected ${expected.size} bytes sha256 ${expected.sha256}, got ${got.size} bytes sha256 ${got.sha256}`);
  }
}
