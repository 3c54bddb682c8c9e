import fs from "node:fs/promises";
import path from "node:path";
import type { Logger } from "../logger";
import type { ObjectStorage } from "../storage/object-storage";
import type { TenantPaths } from "../tenant/paths";
import { runAllOrStop } from "./concurrency";
import { hashCacheFile, rememberHashes } from "./file-index";
import { blobKey } from "./keys";
import type { Manifest } from "./manifest";
import { readManifest } from "./manifest-store";
import { RestoreRollbackError, swapInDirectories, tenantDirectories } from "./swap-directories";
import { download, type Transferred } from "./transfer";

export type RestoreDeps = { storage: ObjectStorage; log: Logger; concurrency: number };

/**
 * Replaces the tenant's pb_data, pb_hooks and pb_migrations with stored `generation`. Everything
 * is downloaded and verified in a staging folder beside the tenant first, so a failure leaves the
 * local folders as they were; `meta/` is never touched (except the hash cache, refreshed at the end).
 */
export async function restoreSnapshot(deps: RestoreDeps, instanceId: string, paths: TenantPaths, generation: number): Promise<void> {
  if (generation === 0) {
    for (const dir of [paths.meta, ...tenantDirectories(paths).map((d) => d.target)]) await fs.mkdir(dir, { recursive: true });
    return;
  }
  const manifest = await readManifest(deps.storage, instanceId, generation);
  const parent = path.dirname(paths.root);
  await fs.mkdir(parent, { recursive: true });
  const staging = await fs.mkdtemp(path.join(parent, `.restore-${path.basename(paths.root)}-`));
  let keepStaging = false;
  try {
    const fresh = path.join(staging, "new");
    const restored = await downloadAll(deps, manifest, fresh);
    await fs.mkdir(paths.meta, { recursive: true });
    await swapInDirectories(paths, fresh, path.join(staging, "old"), deps.log);
    await rememberHashes(hashCacheFile(paths), restored);
  } catch (err) {
    keepStaging = err instanceof RestoreRollbackError; // it holds the tenant's previous folders
    throw err;
  } finally {
    if (!keepStaging) await fs.rm(staging, { recursive: true, force: true });
  }
}

type RestoredFile = { path: string; size: number; mtimeMs: number; sha256: string };

/** Downloads every database and file of `manifest` under `into`, verifying sizes and hashes. */
async function downloadAll(deps: RestoreDeps, manifest: Manifest, into: string): Promise<RestoredFile[]> {
  for (const dir of ["pb_data", "pb_hooks", "pb_migrations"]) await fs.mkdir(path.join(into, dir), { recursive: true });
  const restored: RestoredFile[] = [];
  const databases = manifest.databases.map((db) => async () => {
    const got = await download(deps.storage, db.key, path.join(into, "pb_data", db.name), { compressed: true });
    verify(got, db, db.key);
  });
  const files = manifest.files.map((file) => async () => {
    const dest = path.join(into, ...file.path.split("/"));
    await fs.mkdir(path.dirname(dest), { recursive: true });
    const key = blobKey(manifest.instanceId, file.sha256);
    verify(await download(deps.storage, key, dest, { compressed: false, mode: file.mode }), file, key);
    await fs.chmod(dest, file.mode); // the creation mode was reduced by the umask
    const stat = await fs.stat(dest); // renames keep mtimes, so these match the files once swapped in
    restored.push({ path: file.path, size: stat.size, mtimeMs: stat.mtimeMs, sha256: file.sha256 });
  });
  await runAllOrStop(deps.concurrency, [...databases, ...files]);
  return restored;
}

function verify(got: Transferred, expected: { sha256: string; size: number }, key: string): void {
  if (got.sha256 !== expected.sha256 || got.size !== expected.size) {
    throw new Error(
      `Stored object ${key} is corrupt: expected ${expected.size} bytes sha256 ${expected.sha256}, got ${got.size} bytes sha256 ${got.sha256}`,
    );
  }
}
