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
