import fs from "node:fs/promises";
import path from "node:path";
import { execa } from "execa";

/**
 * Deletes a folder whose contents a tenant may have written, never following a symlink planted in
 * it. Node's fs.rm recurses by path, so a subfolder swapped for a symlink between its checks would
 * make root delete files elsewhere; coreutils `rm -r` walks with directory descriptors and
 * O_NOFOLLOW (fts), and `--one-file-system` keeps it off any mount a tenant might reach.
 */
export async function removeTenantTree(dir: string): Promise<void> {
  const result = await execa("rm", ["-rf", "--one-file-system", "--", dir], {
    env: { PATH: "/usr/bin:/bin" },
    extendEnv: false,
    stdin: "ignore",
    reject: false,
  });
  if (result.exitCode !== 0) throw new Error(`Could not remove ${dir}: ${result.stderr.trim() || result.shortMessage}`);
}

/** What unlink, rmdir or readdir say when the folder's contents changed under them, or it is gone. */
const CHANGED_UNDER_US = new Set(["ENOENT", "EISDIR", "EPERM", "ENOTEMPTY", "ENOTDIR", "EEXIST"]);

/**
 * Like removeTenantTree, without a process in the usual case: a folder holding no subfolder (the
 * copies a snapshot staged) loses its entries by `unlink`, which removes a link rather than
 * following it, and then goes itself. Anything else (a subfolder, an entry that changed meanwhile)
 * is left to removeTenantTree. Only for a folder whose parent is ours: its path is resolved once per
 * entry, so a tenant able to swap the folder itself for a symlink could redirect the unlinks.
 */
export async function removeFlatTenantFolder(dir: string): Promise<void> {
  try {
    const entries = await fs.readdir(dir, { withFileTypes: true });
    if (entries.every((entry) => !entry.isDirectory())) {
      for (const entry of entries) await fs.unlink(path.join(dir, entry.name));
      await fs.rmdir(dir);
      return;
    }
  } catch (err) {
    // A subfolder appeared or an entry changed under us (or the folder is gone): rm sorts it out.
    if (!CHANGED_UNDER_US.has((err as NodeJS.ErrnoException).code ?? "")) throw err;
  }
  await removeTenantTree(dir);
}
