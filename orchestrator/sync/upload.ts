import fs from "node:fs/promises";
import path from "node:path";
import type { Logger } from "../logger";
import type { ObjectStorage } from "../storage/object-storage";
import type { TenantPaths } from "../tenant/paths";
import { phaseClock } from "../tools/phase-clock";
import { copyDatabases, type DatabaseCopy } from "./database-copies";
import { hashCacheFile } from "./hash-cache";
import { databaseKey, databaseNames, fileListKey, manifestKey } from "./keys";
import { MANIFEST_FORMAT, type Manifest, type ManifestDatabase, serializeManifest, type SnapshotReason } from "./manifest";
import { manifestFiles, readManifest, storedGenerations } from "./manifest-store";
import { createNdjsonWriter, type NdjsonWritten } from "./ndjson";
import { withStaging } from "./staging";
import { snapshotFiles, type SnapshotFilesResult } from "./snapshot-files";
import type { SqliteCli } from "./sqlite-snapshot";
import type { FileOwner } from "./tenant-file";
import { uploadCompressed, uploadRaw } from "./transfer";

export type SnapshotResult = { generation: number; manifestKey: string; sizeBytes: number; uploadedBytes: number; reason: SnapshotReason };

/**
 * How a snapshot treats the databases. "copy": a consistent copy of each (VACUUM INTO); data.db's
 * entry records `replicaTxid`, the replica's newest transaction at that moment. "carry": Litestream
 * replicates data.db continuously, so only the files are snapshotted and the previous generation's
 * database entries are carried over (a restore takes data.db from the replica when it is newer).
 */
export type SnapshotOptions = {
  databases: "copy" | "carry";
  replicaPosition?: () => Promise<{ lineage: number; txid: number }>;
  reason: SnapshotReason;
  /**
   * The generation recorded in the control DB before this one (0: none), whose blobs are reused and
   * whose database entries a "carry" takes over. Default: the newest one stored below this one,
   * which may be an upload nobody recorded (a node's that lost the lease), so the platform passes it.
   */
  previousGeneration?: number;
};

export type UploadDeps = {
  storage: ObjectStorage;
  log: Logger;
  /** zstd level of the database copies. */
  zstdLevel: number;
  concurrency: number;
  maxFiles: number;
  sqlite: SqliteCli;
  now: () => Date;
};

/**
 * Uploads a consistent snapshot of the tenant as `generation`: databases via VACUUM INTO, then
 * (so every file a snapshotted record references is included) the files, incrementally, while
 * the databases upload; the file list and then the manifest go last. Tenant files are only read,
 * never by a path a tenant could redirect (`owner`: whose files they must be; default: ours).
 * Temporary copies live in `meta/`, or in a tenant-writable staging folder when SQLite runs as the tenant.
 */
export async function uploadSnapshot(
  deps: UploadDeps,
  instanceId: string,
  paths: TenantPaths,
  generation: number,
  owner: FileOwner | undefined,
  options: SnapshotOptions,
): Promise<SnapshotResult> {
  const previous = await previousManifest(deps, instanceId, generation, options.previousGeneration);
  // Only a database entry can be carried over: without one (a first snapshot), the databases are copied.
  const databases = options.databases === "carry" && previous?.databases.some((d) => d.name === "data.db") ? "carry" : "copy";
  const stored = await storedBlobs(deps, previous);
  await fs.mkdir(paths.meta, { recursive: true });
  // Ours alone (nothing a tenant wrote is in it): fs.rm may delete it.
  const removeTemp = (dir: string) => fs.rm(dir, { recursive: true, force: true });
  return withStaging({ parent: paths.meta, prefix: "snapshot-", log: deps.log, remove: removeTemp }, async (temp) => {
    const clock = phaseClock();
    // The replica's position is read (a listing of the store) only for a copy, and before it is taken: the copy holds at least that much.
    const replica = databases === "copy" ? await options.replicaPosition?.() : undefined;
    const copied = databases === "copy" ? await copyDatabases(deps, paths, temp, owner) : { copies: [], release: async () => undefined };
    clock.mark("copy");
    const listFile = path.join(temp, "files.ndjson.gz");
    const sent = await sendContent(deps, { instanceId, generation, paths, owner, stored, listFile }, copied);
    clock.mark("files");
    const entries =
      databases === "copy"
        ? sent.databases.map((d) => (d.name === "data.db" && replica !== undefined ? { ...d, replicaTxid: replica.txid, replicaLineage: replica.lineage } : d))
        : (previous?.databases ?? []);
    const { files, listed } = sent;
    const manifest = await storeManifest(deps, { instanceId, generation, databases: entries, listed, listFile, reason: options.reason });
    clock.mark("manifest");
    deps.log.debug({ instanceId, generation, files: files.count, phasesMs: clock.phases }, "snapshot phases");
    const dbBytes = entries.reduce((n, d) => n + d.size, 0);
    const dbStored = sent.databases.reduce((n, d) => n + d.compressedSize, 0);
    const uploadedBytes = dbStored + files.uploadedBytes + listed.size + manifest.bytes;
    return { generation, manifestKey: manifest.key, sizeBytes: dbBytes + files.bytes, uploadedBytes, reason: options.reason };
  });
}

type ContentJob = { instanceId: string; generation: number; paths: TenantPaths; owner: FileOwner | undefined; stored: Set<string>; listFile: string };

/** Uploads the database copies while the files are walked and uploaded; closes the copies either way. */
async function sendContent(
  deps: UploadDeps,
  job: ContentJob,
  copied: { copies: DatabaseCopy[]; release: () => Promise<void> },
): Promise<{ databases: ManifestDatabase[]; files: SnapshotFilesResult; listed: NdjsonWritten }> {
  const list = createNdjsonWriter(job.listFile);
  const databasesSent = uploadDatabases(deps, job.instanceId, job.generation, copied.copies);
  databasesSent.catch(() => undefined); // awaited below, after the files, on every path
  try {
    const ownerUid = job.owner?.uid ?? process.getuid?.() ?? null;
    const { instanceId, paths, stored } = job;
    const files = await snapshotFiles(deps, { instanceId, paths, ownerUid, stored, cacheFile: hashCacheFile(paths), list });
    return { databases: await databasesSent, files, listed: await list.close() };
  } catch (err) {
    await Promise.allSettled([databasesSent, list.abort()]);
    throw err;
  } finally {
    await databasesSent.catch(() => undefined).then(copied.release);
  }
}

/** Stores the file list, then the manifest (last: its presence means the generation is complete). */
async function storeManifest(
  deps: UploadDeps,
  job: { instanceId: string; generation: number; databases: ManifestDatabase[]; listed: NdjsonWritten; listFile: string; reason: SnapshotReason },
): Promise<{ key: string; bytes: number }> {
  const listKey = fileListKey(job.instanceId, job.generation);
  await uploadLocalFile(deps.storage, listKey, job.listFile);
  const { listed } = job;
  const manifest: Manifest = {
    format: MANIFEST_FORMAT,
    instanceId: job.instanceId,
    generation: job.generation,
    createdAt: deps.now().toISOString(),
    databases: job.databases,
    reason: job.reason,
    files: { key: listKey, sha256: listed.sha256, compressedSize: listed.size, count: listed.count },
  };
  const key = manifestKey(job.instanceId, job.generation);
  const body = serializeManifest(manifest);
  await deps.storage.put(key, body, { contentLength: body.length, contentType: "application/json" });
  return { key, bytes: body.length };
}

/** The recorded generation before this one (default: the newest complete one stored below `generation`), if any and readable. */
async function previousManifest(deps: UploadDeps, instanceId: string, generation: number, recorded: number | undefined): Promise<Manifest | null> {
  const latest = recorded ?? (await storedGenerations(deps.storage, instanceId)).filter((g) => g < generation).at(-1);
  if (latest === undefined || latest === 0) return null;
  try {
    return await readManifest(deps.storage, instanceId, latest);
  } catch (err) {
    // Only costs a full upload of the files (and carries no database over), which is still a correct snapshot.
    deps.log.warn({ err, instanceId, generation: latest }, "previous manifest unreadable; uploading every file");
    return null;
  }
}

/** sha256 of the blobs `previous` references: no re-upload needed. */
async function storedBlobs(deps: UploadDeps, previous: Manifest | null): Promise<Set<string>> {
  const stored = new Set<string>();
  if (!previous) return stored;
  try {
    for await (const file of manifestFiles(deps.storage, previous)) stored.add(file.sha256);
  } catch (err) {
    deps.log.warn({ err, instanceId: previous.instanceId, generation: previous.generation }, "previous file list unreadable; uploading every file");
    stored.clear();
  }
  return stored;
}

async function uploadDatabases(deps: UploadDeps, instanceId: string, generation: number, copies: DatabaseCopy[]): Promise<ManifestDatabase[]> {
  const settled = await Promise.allSettled(
    copies.map(async ({ name, opened }): Promise<ManifestDatabase> => {
      const key = databaseKey(instanceId, generation, name);
      const got = await uploadCompressed(deps.storage, key, opened, deps.zstdLevel);
      return { name, key, sha256: got.sha256, size: got.size, compressedSize: got.storedSize };
    }),
  );
  // Both settle before any rejection, so the caller can close the copies with no upload reading them.
  const failed = settled.find((r) => r.status === "rejected");
  if (failed) throw failed.reason;
  const sent = settled.flatMap((r) => (r.status === "fulfilled" ? [r.value] : []));
  return sent.sort((a, b) => databaseNames.indexOf(a.name) - databaseNames.indexOf(b.name));
}

/** Uploads a file of ours (not a tenant's) as is. */
async function uploadLocalFile(storage: ObjectStorage, key: string, file: string): Promise<void> {
  const handle = await fs.open(file, "r");
  try {
    await uploadRaw(storage, key, { handle, stat: await handle.stat() });
  } finally {
    await handle.close();
  }
}
