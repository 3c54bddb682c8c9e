import { createHash } from "node:crypto";
import path from "node:path";
import type { TenantPaths } from "../tenant/paths";
import { databaseNames } from "./keys";
import { listPersistedFiles, lstatOrNull } from "./local-files";

/**
 * A cheap digest of sizes and mtimes of everything a snapshot persists. The databases' WAL files
 * are included because PocketBase's writes land there first; the `-shm` index is not content.
 */
export async function fingerprintTenant(paths: TenantPaths): Promise<string> {
  const lines: string[] = [];
  for (const name of databaseNames) {
    for (const file of [name, `${name}-wal`]) {
      const stat = await lstatOrNull(path.join(paths.dataDir, file));
      if (stat?.isFile()) lines.push(`pb_data/${file}\t${stat.size}\t${stat.mtimeMs}`);
    }
  }
  for (const file of await listPersistedFiles(paths)) lines.push(`${file.path}\t${file.size}\t${file.mtimeMs}\t${file.mode}`);
  return createHash("sha256").update(lines.join("\n")).digest("hex");
}
