import fs from "node:fs/promises";
import path from "node:path";
import type { Logger } from "../logger";
import type { TenantPaths } from "../tenant/paths";
import { withStaging } from "./staging";
import { swapInDirectories, tenantDirectories } from "./swap-directories";
import type { FileOwner } from "./tenant-file";

/**
 * Replaces the tenant's pb_data (and empties pb_hooks, pb_migrations) with what `fill` writes into
 * a fresh pb_data folder. The folder is staged on the tenant's volume in a folder only we can
 * enter, so nothing in it is a tenant's link; everything in it is given to `owner` before `fill`
 * returns' result is swapped in with renames (a failure leaves the tenant's folders as they were).
 */
export async function replaceTenantData(paths: TenantPaths, owner: FileOwner | undefined, log: Logger, fill: (pbData: string) => Promise<void>): Promise<void> {
  for (const target of [...tenantDirectories(paths).map((d) => d.target), paths.publicDir]) {
    // The tenant's (empty) folders exist first: its sandbox binds them, e.g. when `fill` runs SQLite as the tenant.
    if (await fs.mkdir(target, { recursive: true, mode: 0o700 })) await giveTree(target, owner);
  }
  await withStaging({ parent: paths.volume, prefix: ".import-", log }, async (staging) => {
    const fresh = path.join(staging, "new");
    for (const { name } of tenantDirectories(paths)) await fs.mkdir(path.join(fresh, name), { recursive: true, mode: 0o700 });
    const pbData = path.join(fresh, "pb_data");
    await giveTree(fresh, owner); // before `fill`, which may run SQLite as the tenant on what it wrote
    await fill(pbData);
    await giveTree(fresh, owner);
    await swapInDirectories(tenantDirectories(paths), fresh, path.join(staging, "old"), log);
  });
}

/** Gives every folder and file below `dir` (ours: no links) to `owner`. */
async function giveTree(dir: string, owner: FileOwner | undefined): Promise<void> {
  if (!owner) return;
  await fs.lchown(dir, owner.uid, owner.gid);
  for (const entry of await fs.readdir(dir, { withFileTypes: true })) {
    const child = path.join(dir, entry.name);
    if (entry.isDirectory()) await giveTree(child, owner);
    else if (entry.isFile()) await fs.lchown(child, owner.uid, owner.gid);
  }
}
