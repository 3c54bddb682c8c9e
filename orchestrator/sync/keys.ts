/**
 * Object keys of one tenant's stored data:
 *   tenants/<id>/snapshots/<generation>/{manifest.json,files.ndjson.gz,data.db.zst,auxiliary.db.zst}
 *   tenants/<id>/blobs/<sha256>   (content-addressed uploaded files, hooks and migrations)
 * (database copies written before zstd end in .gz)
 */
import { ZSTD_EXTENSION } from "./codecs";

/** The SQLite databases a snapshot holds, in the order they are uploaded. */
export const databaseNames = ["data.db", "auxiliary.db"] as const;
export type DatabaseName = (typeof databaseNames)[number];

const INSTANCE_ID = /^[A-Za-z0-9_-]{1,128}$/;
const SHA256 = /^[0-9a-f]{64}$/;

/** `tenants/<id>/`: everything stored for one instance. */
export function tenantPrefix(instanceId: string): string {
  if (!INSTANCE_ID.test(instanceId)) throw new Error(`Invalid instance id for storage keys: ${JSON.stringify(instanceId)}`);
  return `tenants/${instanceId}/`;
}

/** `tenants/<id>/snapshots/`: every generation of one instance. */
export function snapshotsPrefix(instanceId: string): string {
  return `${tenantPrefix(instanceId)}snapshots/`;
}

/** Key of a snapshot's manifest, written last so its presence means the snapshot is complete. */
export function manifestKey(instanceId: string, generation: number): string {
  return `${generationPrefix(instanceId, generation)}manifest.json`;
}

/** Key of a generation's file list (gzip NDJSON), which its manifest points to. */
export function fileListKey(instanceId: string, generation: number): string {
  return `${generationPrefix(instanceId, generation)}files.ndjson.gz`;
}

/** Key of a zstd-compressed database of one generation. */
export function databaseKey(instanceId: string, generation: number, name: DatabaseName): string {
  return `${generationPrefix(instanceId, generation)}${name}${ZSTD_EXTENSION}`;
}

/** Key of a content-addressed file blob, shared by every generation that holds those bytes. */
export function blobKey(instanceId: string, sha256: string): string {
  if (!SHA256.test(sha256)) throw new Error(`Invalid sha256 for a blob key: ${JSON.stringify(sha256)}`);
  return `${tenantPrefix(instanceId)}blobs/${sha256}`;
}

/** The generation a key under `snapshotsPrefix(id)` is the manifest of, or null for any other key. */
export function generationOfManifestKey(instanceId: string, key: string): number | null {
  const prefix = snapshotsPrefix(instanceId);
  if (!key.startsWith(prefix)) return null;
  const match = /^([1-9][0-9]{0,15})\/manifest\.json$/.exec(key.slice(prefix.length));
  return match?.[1] ? Number(match[1]) : null;
}

function generationPrefix(instanceId: string, generation: number): string {
  if (!Number.isSafeInteger(generation) || generation < 1) throw new Error(`Invalid snapshot generation: ${generation}`);
  return `${snapshotsPrefix(instanceId)}${generation}/`;
}
