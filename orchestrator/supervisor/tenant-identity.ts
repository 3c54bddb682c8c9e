import fs from "node:fs/promises";
import path from "node:path";
import type { TenantPaths } from "../tenant/paths";

/**
 * The unprivileged user a tenant's PocketBase runs as (when the orchestrator runs as root): its
 * own uid, so it cannot read the platform's secrets, the control DB, the orchestrator's
 * environment (/proc/<pid>/environ) or another tenant's files.
 */
export type TenantIdentity = { uid: number; gid: number };

/** `setpriv` arguments that switch to the identity (no supplementary groups). */
export function identityArgs(identity: TenantIdentity | undefined): string[] {
  return identity ? ["--reuid", String(identity.uid), "--regid", String(identity.gid), "--clear-groups"] : [];
}

async function chownTree(dir: string, identity: TenantIdentity): Promise<void> {
  await fs.lchown(dir, identity.uid, identity.gid);
  const entries = await fs.readdir(dir, { recursive: true, withFileTypes: true });
  for (const e of entries) await fs.lchown(path.join(e.parentPath, e.name), identity.uid, identity.gid);
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
    const stat = await fs.stat(dir);
    if (stat.uid !== identity.uid) await chownTree(dir, identity);
    await fs.chmod(dir, 0o700);
  }
  for (const name of await fs.readdir(paths.dataDir)) {
    const file = path.join(paths.dataDir, name);
    if ((await fs.lstat(file)).uid !== identity.uid) await fs.lchown(file, identity.uid, identity.gid);
  }
}
