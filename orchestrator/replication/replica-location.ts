import path from "node:path";
import type { StorageConfig } from "../config";
import type { ObjectStorage } from "../storage/object-storage";
import { tenantPrefix } from "../sync/keys";

/**
 * Where Litestream keeps one lineage of a tenant's replica, beside its snapshots:
 * `tenants/<id>/litestream/` for lineage 0, `tenants/<id>/litestream-<n>/` for lineage n (started
 * by a node that took the tenant over, see lib/db/schema.ts `leases`), holding
 * `<minTXID>-<maxTXID>.ltx` files per compaction level (`ltx/<level>/` in a file replica,
 * `<level as 4 hex digits>/` in an S3 one). Deleting the tenant's prefix deletes them too.
 */
export function replicaPrefix(instanceId: string, lineage: number): string {
  if (!Number.isSafeInteger(lineage) || lineage < 0) throw new Error(`Invalid replica lineage: ${lineage}`);
  return `${tenantPrefix(instanceId)}${lineage === 0 ? "litestream" : `litestream-${lineage}`}/`;
}

/** The replica URL Litestream is given for a tenant's lineage: its S3 replica, or its file replica for the local driver. */
export function replicaUrl(storage: StorageConfig, instanceId: string, lineage: number): string {
  const prefix = replicaPrefix(instanceId, lineage).slice(0, -1);
  if (storage.driver === "local") return `file://${path.join(path.resolve(storage.root), prefix)}`;
  const query = new URLSearchParams({ region: storage.region });
  if (storage.endpoint) query.set("endpoint", storage.endpoint);
  // Litestream forces path style for custom endpoints unless told otherwise: follow our setting.
  query.set("forcePathStyle", String(storage.forcePathStyle || storage.endpoint !== undefined));
  return `s3://${storage.bucket}/${prefix}?${query.toString()}`;
}

/**
 * Litestream's credentials, passed in its environment (never on a command line, where any local
 * user could read them from /proc).
 */
export function replicaEnv(storage: StorageConfig): Record<string, string> {
  if (storage.driver === "local") return {};
  return { AWS_ACCESS_KEY_ID: storage.accessKeyId, AWS_SECRET_ACCESS_KEY: storage.secretAccessKey };
}

const LTX_NAME = /^([0-9a-f]{16})-([0-9a-f]{16})\.ltx$/;

/**
 * The newest transaction stored in a lineage of the tenant's replica (0 when it has none), from
 * the names of its level-0 files: Litestream always keeps the newest one there, whatever its retention.
 */
export async function storedReplicaTxid(storage: ObjectStorage, driver: StorageConfig["driver"], instanceId: string, lineage: number): Promise<number> {
  const prefix = `${replicaPrefix(instanceId, lineage)}${driver === "local" ? "ltx/0/" : "0000/"}`;
  let newest = 0;
  for await (const { key } of storage.list(prefix)) {
    const match = LTX_NAME.exec(key.slice(prefix.length));
    if (match?.[2]) newest = Math.max(newest, Number.parseInt(match[2], 16));
  }
  return newest;
}
