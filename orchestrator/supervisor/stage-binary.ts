import fs from "node:fs/promises";
import path from "node:path";

/**
 * A copy of the PocketBase binary in the platform's data folder, so tenant users can execute it
 * even when the checkout (and `.tools/bin`) lives under a private folder such as `/root`. The
 * copy is refreshed when the source is newer or differs in size.
 */
export async function stageBinary(binary: string, dir: string): Promise<string> {
  await fs.mkdir(dir, { recursive: true });
  await fs.chmod(dir, 0o755);
  const target = path.join(dir, path.basename(binary));
  const source = await fs.stat(binary);
  const staged = await fs.stat(target).catch((err: NodeJS.ErrnoException) => {
    if (err.code === "ENOENT") return null;
    throw err;
  });
  if (staged && staged.size === source.size && staged.mtimeMs >= source.mtimeMs) return target;
  const tmp = `${target}.${process.pid}.tmp`;
  await fs.copyFile(binary, tmp);
  await fs.chmod(tmp, 0o755);
  await fs.rename(tmp, target);
  return target;
}
