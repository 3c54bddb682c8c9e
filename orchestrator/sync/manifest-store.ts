import type { Readable } from "node:stream";
import type { ObjectStorage } from "../storage/object-storage";
import { generationOfManifestKey, manifestKey, snapshotsPrefix, tenantPrefix } from "./keys";
import { type Manifest, parseManifest } from "./manifest";

/** Manifests are small; anything bigger than this is not one of ours. */
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
  return manifest;
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
