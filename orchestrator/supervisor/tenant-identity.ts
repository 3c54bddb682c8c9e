import fs from "node:fs/promises";
import path from "node:path";
import type { TenantPaths } from "../tenant/paths";

/**
 * The unprivileged user a tenant's PocketBase runs as (when the orchestrator runs as root): its
 * own uid, so it cannot read the platform's secrets, the control DB, the orchestrator's
 * environment (/proc/<pid>/environ) or another tenant's files.
 */
export type TenantIdentity = { uid: number; gid: number };

/**
 * Gives a tree to the tenant bottom-up: a folder is re-owned only after everything in it, so while
 * we work below it every folder on the path is still ours, and a (lingering) tenant process cannot
 * swap one for a symlink that would make us re-own a file elsewhere. Folders that are already the
 * tenant's are not entered: their content is the tenant's to change, so paths there are not safe.
 */
async function chownTree(dir: string, identity: TenantIdentity): Promise<void> {
  for (const entry of await fs.readdir(dir, { withFileTypes: true })) {
    const entryPath = path.join(dir, entry.name);
    if (!entry.isDirectory()) await fs.lchown(entryPath, identity.uid, identity.gid);
    else if ((await fs.lstat(entryPath)).uid !== identity.uid) await chownTree(entryPath, identity);
  }
  await fs.lchown(dir, identity.uid, identity.gid);
}

/**
 * Gives the tenant its folders: root stays ours and only traversable (0711), `meta/` stays ours
 * (0700), the PocketBase folders on its volume become the tenant's (0700). Trees are re-owned only
 * when their top is not the tenant's (a legacy tree); restores and SQLite (run as the tenant)
 * already leave everything else the tenant's.
 */
export async function assignTenantFolders(paths: TenantPaths, identity: TenantIdentity): Promise<void> {
  await fs.chmod(paths.root, 0o711);
  await fs.chmod(paths.meta, 0o700);
  for (const dir of [paths.dataDir, paths.hooksDir, paths.migrationsDir, paths.publicDir]) {
    // lstat: these sit on the volume, whose root is ours, but nothing here follows a link anyway.
    const stat = await fs.lstat(dir);
    if (!stat.isDirectory()) throw new Error(`${dir} is not a folder (${stat.isSymbolicLink() ? "a symlink" : "another file type"})`);
    if (stat.uid !== identity.uid) await chownTree(dir, identity);
    await fs.chmod(dir, 0o700);
  }
}
