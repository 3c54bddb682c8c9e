import { createHash } from "node:crypto";
import path from "node:path";
import type { TenantPaths } from "../tenant/paths";
import { databaseNames } from "./keys";
import { lstatOrNull } from "./local-files";
import { walkPersistedFiles } from "./tenant-walk";

/** "files": everything but the databases (which Litestream replicates on its own). */
export type FingerprintScope = "all" | "files";

/**
 * A cheap digest of sizes and mtimes of everything a snapshot persists. The databases' WAL files
 * are included because PocketBase's writes land there first; the `-shm` index is not content.
 * Streamed (memory does not grow with the number of files); nothing is read or followed.
 */
export async function fingerprintTenant(paths: TenantPaths, scope: FingerprintScope = "all"): Promise<string> {
  const hash = createHash("sha256");
  hash.update(`${scope}\n`);
  for (const name of scope === "all" ? databaseNames : []) {
    for (const file of [name, `${name}-wal`]) {
      const stat = await lstatOrNull(path.join(paths.dataDir, file));
      if (stat?.isFile()) hash.update(`pb_data/${file}\t${stat.size}\t${stat.mtimeMs}\n`);
    }
  }
  // Any owner: a fingerprint only detects change; what is uploaded is decided by the snapshot.
  const files = walkPersistedFiles(paths, { ownerUid: null, onRefused: () => undefined });
  for await (const file of files) hash.update(`${file.path}\t${file.size}\t${file.mtimeMs}\t${file.mode}\n`);
  return hash.digest("hex");
}
