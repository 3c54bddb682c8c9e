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
 * (0700), the PocketBase folders become the tenant's (0700). Trees are re-owned only when their
 * top is not the tenant's (after a restore); files at the top of pb_data are always checked,
 * since a snapshot of a stopped tenant may leave SQLite side files owned by us.
 */
export async function assignTenantFolders(paths: TenantPaths, identity: TenantIdentity): Promise<void> {
  await fs.chmod(paths.root, 0o711);
  await fs.chmod(paths.meta, 0o700);
  for (const dir of [paths.dataDir, paths.hooksDir, paths.migrationsDir, paths.publicDir]) {
    // lstat: these sit in the tenant root, which is ours, but nothing here follows a link anyway.
    const stat = await fs.lstat(dir);
    if (!stat.isDirectory()) throw new Error(`${dir} is not a folder (${stat.isSymbolicLink() ? "a symlink" : "another file type"})`);
    if (stat.uid !== identity.uid) await chownTree(dir, identity);
    await fs.chmod(dir, 0o700);
  }
  for (const name of await fs.readdir(paths.dataDir)) {
    const file = path.join(paths.dataDir, name);
    if ((await fs.lstat(file)).uid !== identity.uid) await fs.lchown(file, identity.uid, identity.gid);
  }
}
