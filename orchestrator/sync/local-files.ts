import { randomUUID } from "node:crypto";
import type { Stats } from "node:fs";
import fs from "node:fs/promises";
import path from "node:path";
import type { TenantPaths } from "../tenant/paths";
import { persistedRoots } from "./manifest";

/** A regular file of the tenant, with its path relative to the tenant root (`/`-separated). */
export type LocalFile = { path: string; absPath: string; size: number; mtimeMs: number; mode: number };

/** Every regular file under the persisted folders; symlinks and other special files are never followed. */
export async function listPersistedFiles(paths: TenantPaths): Promise<LocalFile[]> {
  const out: LocalFile[] = [];
  for (const root of persistedRoots) await walk(path.join(paths.root, ...root.split("/")), root, out);
  return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

async function walk(dir: string, rel: string, out: LocalFile[]): Promise<void> {
  const entries = await fs.readdir(dir, { withFileTypes: true }).catch((err: unknown) => {
    if (isCode(err, "ENOENT") || isCode(err, "ENOTDIR")) return [];
    throw err;
  });
  for (const entry of entries) {
    const absPath = path.join(dir, entry.name);
    const relPath = `${rel}/${entry.name}`;
    if (entry.isDirectory()) {
      await walk(absPath, relPath, out);
    } else if (entry.isFile()) {
      // A file deleted between readdir and lstat simply is not part of this snapshot.
      const stat = await lstatOrNull(absPath);
      if (stat?.isFile()) out.push({ path: relPath, absPath, size: stat.size, mtimeMs: stat.mtimeMs, mode: stat.mode & 0o777 });
    }
  }
}

/** `lstat`, or null when the path does not exist. */
export async function lstatOrNull(p: string): Promise<Stats | null> {
  return fs.lstat(p).catch((err: unknown) => {
    if (isCode(err, "ENOENT") || isCode(err, "ENOTDIR")) return null;
    throw err;
  });
}

/** Writes a small file atomically: temp file in the same folder, flushed, then renamed over the target. */
export async function writeFileAtomic(file: string, data: string | Buffer): Promise<void> {
  await fs.mkdir(path.dirname(file), { recursive: true });
  const temp = `${file}.${randomUUID()}.tmp`;
  try {
    await fs.writeFile(temp, data, { flush: true });
    await fs.rename(temp, file);
  } finally {
    await fs.rm(temp, { force: true });
  }
}

/** Whether `err` is a Node system error with this code. */
export function isCode(err: unknown, code: string): boolean {
  return err instanceof Error && "code" in err && err.code === code;
}
