import type { Readable } from "node:stream";
import type { ObjectStorage } from "../storage/object-storage";
import { fileListKey, generationOfManifestKey, manifestKey, snapshotsPrefix, tenantPrefix } from "./keys";
import { type Manifest, type ManifestFile, parseManifest, parseManifestFile } from "./manifest";
import { readNdjson } from "./ndjson";
import { MeasuringTap } from "./stream-taps";

/** manifest.json is small since format 2; format 1 inlined every file, hence the generous cap. */
const MAX_MANIFEST_BYTES = 64 * 1024 * 1024;

/** Every generation of the instance that has a (complete) manifest, ascending. */
export async function storedGenerations(storage: ObjectStorage, instanceId: string): Promise<number[]> {
  const generations: number[] = [];
  for await (const { key } of storage.list(snapshotsPrefix(instanceId))) {
    const generation = generationOfManifestKey(instanceId, key);
    if (generation !== null) generations.push(generation);
  }
  return generations.sort((a, b) => a - b);
}

/** Reads and validates the manifest of one generation; rejects when it is missing or invalid. */
export async function readManifest(storage: ObjectStorage, instanceId: string, generation: number): Promise<Manifest> {
  const key = manifestKey(instanceId, generation);
  const manifest = parseManifest((await readAll(await storage.get(key), MAX_MANIFEST_BYTES)).toString("utf8"));
  if (manifest.instanceId !== instanceId || manifest.generation !== generation) {
    throw new Error(`Manifest ${key} describes ${manifest.instanceId} generation ${manifest.generation}`);
  }
  const foreign = manifest.databases.find((db) => !db.key.startsWith(tenantPrefix(instanceId)));
  if (foreign) throw new Error(`Manifest ${key} points outside its tenant: ${foreign.key}`);
  if (manifest.format === 2 && manifest.files.key !== fileListKey(instanceId, generation)) {
    throw new Error(`Manifest ${key} points to a foreign file list: ${manifest.files.key}`);
  }
  return manifest;
}

/**
 * The files of a manifest, in path order, streamed from its file list (format 2) so memory does
 * not grow with their number. The list's count, size and sha256 are checked as it is read: a
 * damaged list rejects, at the latest after its last file.
 */
export async function* manifestFiles(storage: ObjectStorage, manifest: Manifest): AsyncGenerator<ManifestFile> {
  if (manifest.format === 1) return yield* manifest.files;
  const list = manifest.files;
  const tap = new MeasuringTap({ hash: true });
  const source = await storage.get(list.key);
  source.on("error", (err) => tap.destroy(err));
  let count = 0;
  for await (const value of readNdjson(source.pipe(tap))) {
    if (++count > list.count) break;
    yield parseManifestFile(value);
  }
  if (count !== list.count || tap.bytes !== list.compressedSize || tap.digest() !== list.sha256) {
    throw new Error(`File list ${list.key} is corrupt: expected ${list.count} files in ${list.compressedSize} bytes sha256 ${list.sha256}`);
  }
}

async function readAll(stream: Readable, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of stream) {
    const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array);
    total += buf.length;
    if (total > limit) {
      stream.destroy();
      throw new Error(`Object larger than ${limit} bytes`);
    }
    chunks.push(buf);
  }
  return Buffer.concat(chunks);
}
