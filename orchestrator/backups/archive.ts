import fs from "node:fs";
import fsp from "node:fs/promises";
import path from "node:path";
import { PassThrough, type Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createGzip } from "node:zlib";
import tar from "tar-stream";

/** The folders of a PocketBase directory, in archive order: `pocketbase serve --dir pb_data` finds the others beside it. */
const FOLDERS = ["pb_data", "pb_hooks", "pb_migrations", "pb_public"] as const;

/**
 * Streams `root`'s PocketBase folders as a .tar.gz, read file by file as the consumer pulls (never
 * whole in memory). Only folders and regular files are archived; `root` is ours (a scratch copy
 * restored from the store), so nothing in it is a tenant's link. `cleanup` runs once the archive
 * ended, failed or was abandoned.
 */
export function streamPocketbaseArchive(root: string, cleanup: () => Promise<void>): Readable {
  const pack = tar.pack();
  const out = new PassThrough();
  const gzip = createGzip({ level: 6 });
  let cleaned = false;
  const finish = () => {
    if (cleaned) return;
    cleaned = true;
    void cleanup();
  };
  out.on("close", finish);
  void pipeline(pack, gzip, out).catch(() => undefined); // a failure or an abandoned download ends `out`
  void (async () => {
    for (const folder of FOLDERS) await addTree(pack, path.join(root, folder), folder);
    pack.finalize();
  })().catch((err: unknown) => {
    pack.destroy(err instanceof Error ? err : new Error(String(err)));
    out.destroy(err instanceof Error ? err : new Error(String(err)));
  });
  out.on("end", finish);
  out.on("error", finish);
  return out;
}

async function addTree(pack: tar.Pack, dir: string, name: string): Promise<void> {
  const stat = await fsp.lstat(dir).catch(() => null);
  if (!stat?.isDirectory()) {
    pack.entry({ name: `${name}/`, type: "directory", mode: 0o755 });
    return;
  }
  pack.entry({ name: `${name}/`, type: "directory", mode: 0o755, mtime: stat.mtime });
  const entries = (await fsp.readdir(dir, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name));
  for (const entry of entries) {
    const child = path.join(dir, entry.name);
    if (entry.isDirectory()) await addTree(pack, child, `${name}/${entry.name}`);
    else if (entry.isFile()) await addFile(pack, child, `${name}/${entry.name}`);
  }
}

async function addFile(pack: tar.Pack, file: string, name: string): Promise<void> {
  const stat = await fsp.lstat(file);
  const sink = pack.entry({ name, size: stat.size, mode: stat.mode & 0o777, mtime: stat.mtime, type: "file" });
  await pipeline(fs.createReadStream(file), sink);
}
