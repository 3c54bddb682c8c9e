import fs from "node:fs/promises";
import path from "node:path";
import type { Logger } from "../logger";
import type { ObjectStorage } from "../storage/object-storage";
import type { TenantPaths } from "../tenant/paths";
import { runAllOrStop } from "./concurrency";
import { hashCacheFile, type IndexedFile, indexFiles } from "./file-index";
import { blobKey, type DatabaseName, databaseKey, databaseNames, manifestKey } from "./keys";
import { listPersistedFiles, lstatOrNull } from "./local-files";
import { blobsToUpload, MANIFEST_FORMAT, type Manifest, type ManifestDatabase, serializeManifest } from "./manifest";
import { readManifest, storedGenerations } from "./manifest-store";
import type { ParallelGzipOptions } from "./parallel-gzip";
import { snapshotSqlite } from "./sqlite-snapshot";
import { uploadCompressed, uploadRaw } from "./transfer";

export type SnapshotResult = { generation: number; manifestKey: string; sizeBytes: number; uploadedBytes: number };

export type UploadDeps = { storage: ObjectStorage; log: Logger; gzip: ParallelGzipOptions; concurrency: number; now: () => Date };

/**
 * Uploads a consistent snapshot of the tenant as `generation`: databases via VACUUM INTO, then
 * (so every file a snapshotted record references is included) the files, incrementally; the
 * manifest goes last. Tenant files are only read; temporary copies live in `meta/`.
 */
export async function uploadSnapshot(deps: UploadDeps, instanceId: string, paths: TenantPaths, generation: number): Promise<SnapshotResult> {
  const key = manifestKey(instanceId, generation);
  const previous = await previousManifest(deps, instanceId, generation);
  await fs.mkdir(paths.meta, { recursive: true });
  const temp = await fs.mkdtemp(path.join(paths.meta, "snapshot-"));
  try {
    const phase = phaseTimer();
    const copies = await snapshotDatabases(paths, temp, deps.log);
    const vacuumMs = phase();
    const indexed = await indexFiles(await listPersistedFiles(paths), hashCacheFile(paths), deps.log);
    const indexMs = phase();
    const databases: ManifestDatabase[] = [];
    let blobBytes = 0;
    await runAllOrStop(deps.concurrency, [
      ...copies.map(({ name, file }) => async () => {
        databases.push(await uploadDatabase(deps, instanceId, generation, name, file));
      }),
      ...blobsToUpload(indexed, previous).map((file) => async () => {
        const sent = await uploadBlob(deps, instanceId, file); // awaited first: `x += await y` would read x too early
        blobBytes += sent;
      }),
    ]);
    databases.sort((a, b) => databaseNames.indexOf(a.name) - databaseNames.indexOf(b.name));
    const transferMs = phase();
    const manifest: Manifest = {
      format: MANIFEST_FORMAT,
      instanceId,
      generation,
      createdAt: deps.now().toISOString(),
      databases,
      files: indexed.map((f) => ({ path: f.path, sha256: f.sha256, size: f.size, mode: f.mode })),
    };
    const body = serializeManifest(manifest);
    await deps.storage.put(key, body, { contentLength: body.length, contentType: "application/json" });
    deps.log.debug({ instanceId, generation, vacuumMs, indexMs, transferMs, manifestMs: phase() }, "snapshot phases");
    const dbBytes = databases.reduce((n, d) => n + d.size, 0);
    const dbStored = databases.reduce((n, d) => n + d.compressedSize, 0);
    const fileBytes = indexed.reduce((n, f) => n + f.size, 0);
    return { generation, manifestKey: key, sizeBytes: dbBytes + fileBytes, uploadedBytes: dbStored + blobBytes + body.length };
  } finally {
    await fs.rm(temp, { recursive: true, force: true });
  }
}

/** Returns a function giving the milliseconds since it was last called (or created). */
function phaseTimer(): () => number {
  let last = performance.now();
  return () => {
    const now = performance.now();
    const elapsed = Math.round(now - last);
    last = now;
    return elapsed;
  };
}

/** The newest complete manifest older than `generation`, whose blobs need no re-upload. */
async function previousManifest(deps: UploadDeps, instanceId: string, generation: number): Promise<Manifest | null> {
  const older = (await storedGenerations(deps.storage, instanceId)).filter((g) => g < generation);
  const latest = older.at(-1);
  if (latest === undefined) return null;
  try {
    return await readManifest(deps.storage, instanceId, latest);
  } catch (err) {
    // Only costs a full upload of the files, which is still a correct snapshot.
    deps.log.warn({ err, instanceId, generation: latest }, "previous manifest unreadable; uploading every file");
    return null;
  }
}

async function snapshotDatabases(paths: TenantPaths, temp: string, log: Logger): Promise<Array<{ name: DatabaseName; file: string }>> {
  const copies: Array<{ name: DatabaseName; file: string }> = [];
  for (const name of databaseNames) {
    const source = path.join(paths.dataDir, name);
    const stat = await lstatOrNull(source);
    // Never open a missing database (SQLite would create it) nor follow a tenant-made symlink.
    if (!stat?.isFile()) {
      if (stat) log.warn({ source }, "skipping a database that is not a regular file");
      continue;
    }
    const file = path.join(temp, name);
    await snapshotSqlite(source, file);
    copies.push({ name, file });
  }
  return copies;
}

async function uploadDatabase(deps: UploadDeps, instanceId: string, generation: number, name: DatabaseName, file: string): Promise<ManifestDatabase> {
  const key = databaseKey(instanceId, generation, name);
  const sent = await uploadCompressed(deps.storage, key, file, deps.gzip);
  return { name, key, sha256: sent.sha256, size: sent.size, compressedSize: sent.storedSize };
}

/** Uploads one file as its content-addressed blob, checking it did not change since it was hashed. */
async function uploadBlob(deps: UploadDeps, instanceId: string, file: IndexedFile): Promise<number> {
  const key = blobKey(instanceId, file.sha256);
  const sent = await uploadRaw(deps.storage, key, file.absPath);
  if (sent.sha256 !== file.sha256) {
    // The blob's key promises content it does not hold: remove it so no manifest ever trusts it.
    await deps.storage.deletePrefix(key);
    throw new Error(`${file.path} changed while being uploaded; retry the snapshot`);
  }
  return sent.storedSize;
}
