import fs from "node:fs/promises";
import path from "node:path";
import type { Logger } from "../logger";
import type { TenantPaths } from "../tenant/paths";
import { type DatabaseName, databaseNames } from "./keys";
import { lstatOrNull } from "./local-files";
import { removeFlatTenantFolder } from "./remove-tree";
import { type SqliteCli, snapshotSqlite, snapshotSqliteAs } from "./sqlite-snapshot";
import { sweepStaging } from "./staging";
import { describeType, type FileOwner, type Opened, openTenantFile } from "./tenant-file";

/** A consistent copy of one tenant database, open for reading. */
export type DatabaseCopy = { name: DatabaseName; opened: Opened };

/** Prefix of the folders, in the tenant root, where a tenant-run VACUUM INTO writes its copies. */
const STAGING_PREFIX = ".snapshot-";

/**
 * Consistent copies (VACUUM INTO) of the tenant's databases, opened for reading; `release` closes
 * and deletes them. With an `owner` other than us and root rights, SQLite runs as the tenant
 * (`snapshotSqliteAs`) into a staging folder in the tenant root that the tenant can write to, and
 * each copy is read back only if it is a regular file the tenant owns. Otherwise SQLite runs in
 * process, into `temp` (ours).
 */
export async function copyDatabases(
  deps: { log: Logger; sqlite: SqliteCli },
  paths: TenantPaths,
  temp: string,
  owner: FileOwner | undefined,
): Promise<{ copies: DatabaseCopy[]; release: () => Promise<void> }> {
  const asTenant = owner && process.getuid?.() === 0 && owner.uid !== 0 ? owner : undefined;
  const copies: DatabaseCopy[] = [];
  let staging: string | null = null;
  const release = async () => {
    for (const copy of copies.splice(0)) await copy.opened.handle.close();
    if (staging) await removeFlatTenantFolder(staging); // in the tenant root, which is ours
  };
  try {
    if (asTenant) staging = await createStaging(paths, asTenant, deps.log);
    const present: { name: DatabaseName; source: string; dest: string }[] = [];
    for (const name of databaseNames) {
      const source = path.join(paths.dataDir, name);
      const stat = await lstatOrNull(source);
      // Never open a missing database (SQLite would create it); a tenant-made symlink is skipped here
      // and, if swapped in after this check, opened with the tenant's rights only (or not followed).
      if (!stat?.isFile()) {
        if (stat) deps.log.warn({ source, type: describeType(stat) }, "skipping a database that is not a regular file");
        continue;
      }
      present.push({ name, source, dest: path.join(staging ?? temp, name) });
    }
    if (asTenant) await snapshotSqliteAs(asTenant, present, deps.sqlite);
    else for (const { source, dest } of present) await snapshotSqlite(source, dest);
    for (const { name, dest } of present) {
      const opened = await openTenantFile(dest, asTenant ? asTenant.uid : null);
      if (!opened) throw new Error(`The snapshot copy of ${name} vanished`);
      copies.push({ name, opened });
    }
    return { copies, release };
  } catch (err) {
    await release();
    throw err;
  }
}

/**
 * A folder the tenant can write into, directly in the tenant root (ours, so the tenant cannot
 * rename or replace it), left over folders of an interrupted snapshot deleted first.
 */
async function createStaging(paths: TenantPaths, owner: FileOwner, log: Logger): Promise<string> {
  await sweepStaging(paths.root, STAGING_PREFIX, log, { keepParked: false }); // the tenant writes in these: no swap ever parks folders there
  const staging = await fs.mkdtemp(path.join(paths.root, STAGING_PREFIX));
  await fs.lchown(staging, owner.uid, owner.gid);
  return staging;
}
