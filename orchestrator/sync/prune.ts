import type { Logger } from "../logger";
import type { ObjectStorage } from "../storage/object-storage";
import { blobKey, manifestKey, snapshotsPrefix, tenantPrefix } from "./keys";
import { manifestFiles, readManifest } from "./manifest-store";

export type PruneResult = { keptGenerations: number[]; deletedGenerations: number[]; deletedBlobs: number };

/**
 * Keeps the newest `keep` complete generations and deletes older ones, abandoned partial uploads
 * below the newest complete one, and blobs no kept manifest references. Must not run while an
 * upload of the same instance is in progress (its new blobs are not referenced yet).
 */
export async function pruneSnapshots(storage: ObjectStorage, log: Logger, instanceId: string, keep: number): Promise<PruneResult> {
  if (!Number.isInteger(keep) || keep < 1) throw new Error(`prune must keep at least one generation, got ${keep}`);
  const { complete, all } = await generationsInStorage(storage, instanceId);
  const kept = complete.slice(-keep);
  const oldestKept = kept[0];
  if (oldestKept === undefined) return { keptGenerations: [], deletedGenerations: [], deletedBlobs: 0 };
  // Read every kept manifest before deleting anything: an unreadable one aborts the prune.
  const referenced = new Set<string>();
  for (const generation of kept) {
    const manifest = await readManifest(storage, instanceId, generation);
    for await (const file of manifestFiles(storage, manifest)) referenced.add(blobKey(instanceId, file.sha256));
  }
  const newest = kept.at(-1) ?? oldestKept;
  const doomed = all.filter((g) => g < oldestKept || (g < newest && !kept.includes(g)));
  for (const generation of doomed) {
    // The manifest goes first, so a half-deleted generation never looks complete.
    await storage.deletePrefix(manifestKey(instanceId, generation));
    await storage.deletePrefix(`${snapshotsPrefix(instanceId)}${generation}/`);
  }
  let deletedBlobs = 0;
  for await (const { key } of storage.list(`${tenantPrefix(instanceId)}blobs/`)) {
    if (!referenced.has(key)) deletedBlobs += await storage.deletePrefix(key);
  }
  log.info({ instanceId, kept, deletedGenerations: doomed, deletedBlobs }, "pruned old snapshots");
  return { keptGenerations: kept, deletedGenerations: doomed, deletedBlobs };
}

/** Generations with a manifest, and every generation with any object (ascending). */
async function generationsInStorage(storage: ObjectStorage, instanceId: string): Promise<{ complete: number[]; all: number[] }> {
  const prefix = snapshotsPrefix(instanceId);
  const complete = new Set<number>();
  const all = new Set<number>();
  for await (const { key } of storage.list(prefix)) {
    const [generation, name] = key.slice(prefix.length).split("/");
    const n = Number(generation);
    if (!Number.isSafeInteger(n) || n < 1) continue;
    all.add(n);
    if (name === "manifest.json") complete.add(n);
  }
  const ascending = (s: Set<number>) => [...s].sort((a, b) => a - b);
  return { complete: ascending(complete), all: ascending(all) };
}
