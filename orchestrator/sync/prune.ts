import pLimit from "p-limit";
import type { Logger } from "../logger";
import type { ObjectStorage } from "../storage/object-storage";
import { blobKey, snapshotsPrefix, tenantPrefix } from "./keys";
import { manifestFiles, readManifest } from "./manifest-store";

export type PruneResult = { keptGenerations: number[]; deletedGenerations: number[]; deletedBlobs: number };

/**
 * `collect`: see pruneSnapshots. `mayDelete`: asked before every deletion, false once this node lost
 * the instance's lease (the new holder's uploads in flight are not referenced by anything read here).
 */
export type PruneOptions = { collect: boolean; mayDelete?: () => boolean };

/** Kept manifests (and their file lists) read at once by a collection: each read is a round trip or two to the store. */
const READS_AT_ONCE = 4;

/** A prune stopped because the node lost the instance's lease. */
class PruneStoppedError extends Error {
  constructor(instanceId: string) {
    super(`pruning the snapshots of instance ${instanceId} stopped: this node no longer holds its lease`);
  }
}

/**
 * Deletes the complete generations not in `keep` (the newest complete one always stays), and
 * partial uploads below the newest complete one. Light by default: only their manifests and file
 * lists go (no reads). With `collect`, every kept manifest is read and everything nothing kept
 * references goes too: database copies no kept manifest carried over, and unreferenced blobs.
 * Must not run while an upload of the same instance is in progress (its new objects are not
 * referenced yet).
 */
export async function pruneSnapshots(
  storage: ObjectStorage,
  log: Logger,
  instanceId: string,
  keep: Iterable<number>,
  options: PruneOptions,
): Promise<PruneResult> {
  const mayDelete = options.mayDelete ?? (() => true);
  const remove = async (key: string): Promise<number> => {
    if (!mayDelete()) throw new PruneStoppedError(instanceId);
    return storage.deletePrefix(key);
  };
  const objects = await objectsByGeneration(storage, instanceId);
  const complete = [...objects.keys()].filter((g) => objects.get(g)?.some((k) => k.endsWith("/manifest.json"))).sort((a, b) => a - b);
  const newest = complete.at(-1);
  if (newest === undefined) return { keptGenerations: [], deletedGenerations: [], deletedBlobs: 0 };
  const wanted = new Set(keep);
  const kept = complete.filter((g) => wanted.has(g) || g === newest);
  const doomed = [...objects.keys()].filter((g) => g < newest && !kept.includes(g)).sort((a, b) => a - b);
  for (const generation of doomed) {
    // The manifest goes first, so a half-deleted generation never looks complete.
    const keys = (objects.get(generation) ?? []).sort((a, b) => Number(b.endsWith("/manifest.json")) - Number(a.endsWith("/manifest.json")));
    for (const key of keys) if (key.endsWith("/manifest.json") || key.endsWith("/files.ndjson.gz")) await remove(key);
  }
  const deletedBlobs = options.collect ? await collect(storage, instanceId, kept, objects, remove) : 0;
  log.info({ instanceId, kept: kept.length, deletedGenerations: doomed, deletedBlobs, collect: options.collect }, "pruned old snapshots");
  return { keptGenerations: kept, deletedGenerations: doomed, deletedBlobs };
}

/** Deletes what no kept manifest references: leftover objects of other generations, and blobs. */
async function collect(
  storage: ObjectStorage,
  instanceId: string,
  kept: number[],
  objects: Map<number, string[]>,
  remove: (key: string) => Promise<number>,
): Promise<number> {
  // Read every kept manifest before deleting anything: an unreadable one aborts the collection.
  const referenced = new Set<string>();
  const reading = pLimit(READS_AT_ONCE);
  const readOne = async (generation: number) => {
    const manifest = await readManifest(storage, instanceId, generation);
    for (const db of manifest.databases) referenced.add(db.key);
    for await (const file of manifestFiles(storage, manifest)) referenced.add(blobKey(instanceId, file.sha256));
  };
  try {
    await Promise.all(kept.map((generation) => reading(() => readOne(generation))));
  } catch (err) {
    reading.clearQueue(); // the ones not begun are not needed any more
    throw err;
  }
  const newest = kept.at(-1) ?? 0;
  for (const [generation, keys] of objects) {
    if (kept.includes(generation) || generation > newest) continue;
    for (const key of keys) if (!referenced.has(key)) await remove(key);
  }
  let deletedBlobs = 0;
  for await (const { key } of storage.list(`${tenantPrefix(instanceId)}blobs/`)) {
    if (!referenced.has(key)) deletedBlobs += await remove(key);
  }
  return deletedBlobs;
}

/** Every stored object under the instance's snapshots, by generation. */
async function objectsByGeneration(storage: ObjectStorage, instanceId: string): Promise<Map<number, string[]>> {
  const prefix = snapshotsPrefix(instanceId);
  const byGeneration = new Map<number, string[]>();
  for await (const { key } of storage.list(prefix)) {
    const n = Number(key.slice(prefix.length).split("/")[0]);
    if (!Number.isSafeInteger(n) || n < 1) continue;
    byGeneration.set(n, [...(byGeneration.get(n) ?? []), key]);
  }
  return byGeneration;
}
