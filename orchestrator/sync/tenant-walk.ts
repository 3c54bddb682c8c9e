import type { Stats } from "node:fs";
import fs from "node:fs/promises";
import type { TenantPaths } from "../tenant/paths";
import { isCode, lstatOrNull } from "./local-files";
import { isPersistedPath, persistedRoots } from "./manifest";
import { describeType, entryPath, type Opened, type OpenedDir, openTenantDir, openTenantFile, RefusedFileError } from "./tenant-file";

/**
 * A regular file of the tenant found by the walk: its path relative to the tenant root
 * (`/`-separated) and its lstat. `open` reads exactly that directory entry; it is valid only until
 * the walk moves on (the directory it is anchored to is closed then).
 */
export type WalkedFile = { path: string; size: number; mtimeMs: number; mode: number; open(): Promise<Opened | null> };

export type WalkOptions = {
  /** Only files owned by this uid are taken, and the persisted roots must be its (null: any owner). */
  ownerUid: number | null;
  /** Told about every entry skipped as not a tenant's regular file or folder. */
  onRefused: (path: string, reason: string) => void;
};

/**
 * Every regular file under the persisted folders, in ascending path order (plain string order of
 * the relative paths). Nothing is followed: each folder is opened with O_NOFOLLOW and its entries
 * are reached through its open descriptor, so a tenant swapping a folder for a symlink mid-walk
 * only gets that folder skipped. Entries that vanish mid-walk are skipped silently.
 *
 * Memory is bounded by a few folders' entries (the one walked and those prepared ahead), not by
 * the number of files. A persisted root owned by someone other than `ownerUid` is a
 * misconfiguration and throws.
 */
export async function* walkPersistedFiles(paths: TenantPaths, options: WalkOptions): AsyncGenerator<WalkedFile> {
  for (const { rel, top, below } of persistedFolders(paths)) {
    // The folder holding the tenant's folders is ours (the tenant cannot replace its entries);
    // everything below is the tenant's.
    let dir = await openRoot(top, options.ownerUid);
    for (const name of below) {
      if (!dir) break;
      const parent = dir;
      dir = await openTenantDir(entryPath(parent, name), options.ownerUid).catch(refusedAs(rel, options));
      await parent.close();
    }
    if (!dir) continue;
    try {
      yield* walkDir({ opened: dir, keys: await sortedEntries(dir, rel, options) }, rel, options);
    } finally {
      await dir.close();
    }
  }
}

/** Each of `persistedRoots` as a tenant folder and the path below it, in the same order. */
function persistedFolders(paths: TenantPaths): Array<{ rel: (typeof persistedRoots)[number]; top: string; below: string[] }> {
  const tops: Record<string, string> = { pb_data: paths.dataDir, pb_hooks: paths.hooksDir, pb_migrations: paths.migrationsDir };
  return persistedRoots.map((rel) => {
    const [first, ...below] = rel.split("/") as [string, ...string[]];
    const top = tops[first];
    if (!top) throw new Error(`No tenant folder for ${rel}`);
    return { rel, top, below };
  });
}

async function openRoot(dir: string, ownerUid: number | null): Promise<OpenedDir | null> {
  try {
    return await openTenantDir(dir, ownerUid);
  } catch (err) {
    if (err instanceof RefusedFileError) throw new Error(`Tenant folder ${dir} is not the tenant's (${err.reason}); check its owner`, { cause: err });
    throw err;
  }
}

/** Entries prepared ahead of the one being walked (folders opened and listed, files lstat'ed): overlaps their I/O. */
const LOOKAHEAD = 8;

type Listed = { opened: OpenedDir; keys: string[] };
type Prepared = { relPath: string; at: string } & ({ folder: Listed | null } | { stat: Stats | null });

async function* walkDir(folder: Listed, rel: string, options: WalkOptions): AsyncGenerator<WalkedFile> {
  const ahead: Array<Promise<Prepared>> = [];
  const closing: Array<Promise<void>> = [];
  let next = 0;
  const fill = () => {
    while (ahead.length < LOOKAHEAD && next < folder.keys.length) {
      const prepared = prepare(folder.opened, rel, folder.keys[next++] as string, options);
      prepared.catch(() => undefined); // awaited in order below, or closed in the finally
      ahead.push(prepared);
    }
  };
  try {
    fill();
    while (ahead.length > 0) {
      const entry = await (ahead.shift() as Promise<Prepared>);
      fill();
      if ("stat" in entry) {
        const file = acceptFile(entry.relPath, entry.at, entry.stat, options);
        if (file) yield file;
      } else if (entry.folder) {
        try {
          yield* walkDir(entry.folder, entry.relPath, options);
        } finally {
          // Not awaited one by one: a close is a round trip to the thread pool, as long as the walk of a small folder.
          closing.push(entry.folder.opened.close());
          if (closing.length >= LOOKAHEAD) await Promise.all(closing.splice(0));
        }
      }
    }
  } finally {
    for (const prepared of ahead.splice(0)) {
      const entry = await prepared.catch(() => null);
      if (entry && "folder" in entry && entry.folder) closing.push(entry.folder.opened.close());
    }
    await Promise.all(closing);
  }
}

async function prepare(dir: OpenedDir, rel: string, key: string, options: WalkOptions): Promise<Prepared> {
  const isDir = key.endsWith("/");
  const name = isDir ? key.slice(0, -1) : key;
  const relPath = `${rel}/${name}`;
  const at = entryPath(dir, name);
  if (!isDir) return { relPath, at, stat: await lstatOrNull(at) };
  // No owner check on folders below the roots: a folder is only a place (reached through its parent's
  // descriptor, never followed), and every file in it is checked on its own.
  const opened = await openTenantDir(at, null).catch(refusedAs(relPath, options));
  if (!opened) return { relPath, at, folder: null };
  try {
    return { relPath, at, folder: { opened, keys: await sortedEntries(opened, relPath, options) } };
  } catch (err) {
    await opened.close();
    throw err;
  }
}

function acceptFile(relPath: string, at: string, stat: Stats | null, options: WalkOptions): WalkedFile | null {
  if (!stat) return null; // gone since the folder was listed
  const reason = !stat.isFile() ? describeType(stat) : options.ownerUid !== null && stat.uid !== options.ownerUid ? `owned by uid ${stat.uid}` : null;
  if (reason) {
    options.onRefused(relPath, reason);
    return null;
  }
  return { path: relPath, size: stat.size, mtimeMs: stat.mtimeMs, mode: stat.mode & 0o777, open: () => openTenantFile(at, options.ownerUid) };
}

/**
 * The folder's files (`name`) and folders (`name/`), sorted so that the walk yields relative paths
 * in string order: a folder's paths all start with `name/`. Anything else is reported and dropped.
 * One readdir per folder: per-entry iteration (fs.opendir) cost more than the rest of the walk.
 */
async function sortedEntries(dir: OpenedDir, rel: string, options: WalkOptions): Promise<string[]> {
  const keys: string[] = [];
  const entries = await fs.readdir(entryPath(dir, ""), { withFileTypes: true }).catch((err: unknown) => {
    if (isCode(err, "ENOENT")) return []; // removed since it was opened
    throw err;
  });
  for (const entry of entries) {
    const relPath = `${rel}/${entry.name}`;
    if (!isPersistedPath(relPath)) options.onRefused(relPath, "a name that cannot be stored");
    else if (entry.isDirectory()) keys.push(`${entry.name}/`);
    else if (entry.isFile()) keys.push(entry.name);
    else options.onRefused(relPath, entry.isSymbolicLink() ? "a symlink" : "a special file");
  }
  return keys.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

function refusedAs(relPath: string, options: WalkOptions): (err: unknown) => null {
  return (err) => {
    if (!(err instanceof RefusedFileError)) throw err;
    options.onRefused(relPath, err.reason);
    return null;
  };
}
