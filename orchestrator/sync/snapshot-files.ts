import { createHash } from "node:crypto";
import type { Logger } from "../logger";
import type { ObjectStorage } from "../storage/object-storage";
import type { TenantPaths } from "../tenant/paths";
import { type CachedHash, createHashCacheWriter, openHashCache } from "./hash-cache";
import { blobKey } from "./keys";
import type { ManifestFile } from "./manifest";
import type { NdjsonWriter } from "./ndjson";
import { createOrderedPool, type OrderedPool } from "./ordered-pool";
import { type Opened, RefusedFileError } from "./tenant-file";
import { walkPersistedFiles, type WalkedFile } from "./tenant-walk";
import { hashOpened, readSmallOpened, SMALL_FILE_BYTES, uploadRaw } from "./transfer";

export type SnapshotFilesDeps = { storage: ObjectStorage; log: Logger; concurrency: number; maxFiles: number };

export type SnapshotFilesJob = {
  instanceId: string;
  paths: TenantPaths;
  /** Files not owned by this uid are skipped (null: any owner). */
  ownerUid: number | null;
  /** sha256 of every blob known to be stored; blobs uploaded here are added. */
  stored: Set<string>;
  cacheFile: string;
  /** Receives one `ManifestFile` per file, in path order. */
  list: NdjsonWriter;
};

export type SnapshotFilesResult = { count: number; bytes: number; uploadedBytes: number };

/** Files opened or uploading but not yet written to the list: bounds memory and open descriptors. */
const WINDOW = 64;

type Row = { file: ManifestFile; cached: CachedHash | null };

/**
 * Lists, hashes and uploads the tenant's persisted files in one streamed pass: each file's hash is
 * reused from the hash cache while its size and mtime are unchanged and its blob is stored, else
 * the file is opened without following links (see `openTenantFile`) and hashed, and uploaded if
 * its content is new. Memory does not grow with the number of files beyond the set of stored
 * hashes. More than `maxFiles` files fail the snapshot, saying how many there are.
 */
export async function snapshotFiles(deps: SnapshotFilesDeps, job: SnapshotFilesJob): Promise<SnapshotFilesResult> {
  const cache = openHashCache(job.cacheFile, deps.log);
  const nextCache = createHashCacheWriter(job.cacheFile);
  const refused = refusalReporter(deps.log, job.instanceId);
  const totals: SnapshotFilesResult = { count: 0, bytes: 0, uploadedBytes: 0 };
  // Rows reach the file list and the new cache in walk order, so both stay sorted by path.
  const pool = createOrderedPool<Row | null>({
    concurrency: deps.concurrency,
    window: WINDOW,
    onResult: async (row) => {
      if (!row) return;
      await job.list.write(row.file);
      if (row.cached) await nextCache.add(row.cached);
      totals.bytes += row.file.size;
    },
  });
  try {
    let count = 0;
    for await (const file of walkPersistedFiles(job.paths, { ownerUid: job.ownerUid, onRefused: refused.add })) {
      // Past the limit, only count: the error then says how many files there are.
      if (++count > deps.maxFiles) continue;
      const known = await cache.lookup(file.path, file.size, file.mtimeMs);
      if (known && job.stored.has(known)) {
        await pool.push(async () => knownRow(file, known));
        continue;
      }
      const opened = await openOrRefuse(file, refused.add);
      if (opened) await pool.push(() => hashAndStore(deps, job, file.path, opened, pool, totals));
    }
    if (count > deps.maxFiles) throw new Error(`instance has ${count} files, over the limit of ${deps.maxFiles}`);
    await pool.finish();
    await nextCache.commit();
    totals.count = count;
    return totals;
  } catch (err) {
    await pool.settle();
    await nextCache.abort();
    throw err;
  } finally {
    await cache.close();
    refused.flush();
  }
}

/** The row of a file whose content is known (cached hash, blob stored): it is not read at all. */
function knownRow(file: WalkedFile, sha256: string): Row {
  return { file: { path: file.path, sha256, size: file.size, mode: file.mode }, cached: { path: file.path, size: file.size, mtimeMs: file.mtimeMs, sha256 } };
}

async function openOrRefuse(file: WalkedFile, onRefused: (path: string, reason: string) => void): Promise<Opened | null> {
  try {
    return await file.open();
  } catch (err) {
    if (!(err instanceof RefusedFileError)) throw err;
    onRefused(file.path, err.reason);
    return null;
  }
}

/** Hashes an open file and uploads its blob unless stored; the manifest row describes exactly what was read. */
async function hashAndStore(
  deps: SnapshotFilesDeps,
  job: SnapshotFilesJob,
  relPath: string,
  opened: Opened,
  pool: OrderedPool<Row | null>,
  totals: SnapshotFilesResult,
): Promise<Row | null> {
  try {
    if (pool.aborted) return null;
    const small = opened.stat.size <= SMALL_FILE_BYTES;
    const content = small ? await readSmallOpened(opened) : null;
    const { sha256, size } = content ? { sha256: createHash("sha256").update(content).digest("hex"), size: content.length } : await hashOpened(opened);
    if (!job.stored.has(sha256)) {
      job.stored.add(sha256); // before the upload ends, so an identical file in flight does not upload it again
      const sent = await uploadBlob(deps.storage, job.instanceId, { sha256, relPath, opened, content });
      totals.uploadedBytes += sent; // not `+= await`, which reads the total before other tasks add to it
    }
    const { mtimeMs, mode } = opened.stat;
    // Cached only if nothing changed while it was read; otherwise the next snapshot reads it again.
    const after = await opened.handle.stat();
    const unchanged = size === opened.stat.size && after.size === size && after.mtimeMs === mtimeMs;
    return { file: { path: relPath, sha256, size, mode: mode & 0o777 }, cached: unchanged ? { path: relPath, size, mtimeMs, sha256 } : null };
  } finally {
    await opened.handle.close();
  }
}

/** Stores a blob from memory (small files) or streamed from the open file, checked against its hash. */
async function uploadBlob(
  storage: ObjectStorage,
  instanceId: string,
  blob: { sha256: string; relPath: string; opened: Opened; content: Buffer | null },
): Promise<number> {
  const key = blobKey(instanceId, blob.sha256);
  if (blob.content) {
    await storage.put(key, blob.content, { contentLength: blob.content.length, contentType: "application/octet-stream" });
    return blob.content.length;
  }
  const sent = await uploadRaw(storage, key, blob.opened);
  if (sent.sha256 !== blob.sha256) {
    // The blob's key promises content it does not hold: remove it so no manifest ever trusts it.
    await storage.deletePrefix(key);
    throw new Error(`${blob.relPath} changed while being uploaded; retry the snapshot`);
  }
  return sent.storedSize;
}

/** Collects skipped entries into one warning per snapshot (a tenant can make thousands). */
function refusalReporter(log: Logger, instanceId: string) {
  const examples: Array<{ path: string; reason: string }> = [];
  let count = 0;
  return {
    add(path: string, reason: string) {
      count++;
      if (examples.length < 10) examples.push({ path, reason });
    },
    flush() {
      if (count > 0) log.warn({ instanceId, skipped: count, examples }, "snapshot skipped tenant entries that are not its regular files");
    },
  };
}
