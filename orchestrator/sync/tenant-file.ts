import fsCallbacks, { constants, type Stats } from "node:fs";
import fs, { type FileHandle } from "node:fs/promises";
import { promisify } from "node:util";
import { isCode } from "./local-files";

/** Who owns a tenant's files on disk: its own uid and gid when tenants are isolated. */
export type FileOwner = {
  uid: number;
  gid: number;
  /**
   * Runs a one-off command inside the tenant's sandbox (no network, its own pid namespace and
   * cgroup), with host folders bound where it sees them. Without it, commands run as the uid on
   * the host.
   */
  sandboxed?: TenantCommand;
};

/** A folder shown to a sandboxed command: host path → path inside, writable or not. */
type CommandBind = { host: string; inside: string; writable: boolean };

/** Builds the command line for `argv` (paths as seen inside) in the tenant's sandbox. */
export type TenantCommand = (argv: string[], binds: CommandBind[]) => Promise<{ file: string; args: string[] }>;

/** A tenant path a snapshot must not read: a symlink, a special file, or a file that is not the tenant's. */
export class RefusedFileError extends Error {
  constructor(
    readonly file: string,
    readonly reason: string,
  ) {
    super(`refused ${file}: ${reason}`);
    this.name = "RefusedFileError";
  }
}

/** An open tenant file or directory and the fstat of exactly what was opened. */
export type Opened = { handle: FileHandle; stat: Stats };

// O_NOFOLLOW: a symlink as the last component fails instead of being followed. O_NONBLOCK: a FIFO
// opens at once instead of waiting for a writer (no effect on regular files). O_NOCTTY: a terminal
// never becomes ours. libuv adds O_CLOEXEC to every open, so no child process inherits the fd.
const FILE_FLAGS = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK | constants.O_NOCTTY;
const DIR_FLAGS = FILE_FLAGS | constants.O_DIRECTORY;

const openFd = promisify(fsCallbacks.open);
const fstatFd = promisify(fsCallbacks.fstat);
const closeFd = promisify(fsCallbacks.close);

/** An open tenant directory: its descriptor (see `entryPath`). */
export type OpenedDir = { fd: number; close(): Promise<void> };

/**
 * Opens a tenant's regular file for reading without following a symlink, refusing anything else
 * (FIFO, socket, device, directory) and, when `ownerUid` is given, a file the tenant does not own
 * (what a symlinked parent folder or a hard link to someone else's file leads to). Null when the
 * path no longer exists. Read everything through the returned handle, never by path again.
 */
export async function openTenantFile(file: string, ownerUid: number | null): Promise<Opened | null> {
  const handle = await openNoFollow(() => fs.open(file, FILE_FLAGS), file, false);
  if (!handle) return null;
  try {
    const stat = await handle.stat();
    check(stat, file, ownerUid, stat.isFile(), "not a regular file");
    return { handle, stat };
  } catch (err) {
    await handle.close();
    throw err;
  }
}

/**
 * Like `openTenantFile` for a directory: a symlink or any other non-directory is refused
 * (O_DIRECTORY), and so is a directory not owned by `ownerUid` when it is given. A bare descriptor
 * rather than a FileHandle: a walk opens one per folder, and FileHandles cost more.
 */
export async function openTenantDir(dir: string, ownerUid: number | null): Promise<OpenedDir | null> {
  const fd = await openNoFollow(() => openFd(dir, DIR_FLAGS), dir, true);
  if (fd === null) return null;
  const opened = { fd, close: () => closeFd(fd) };
  if (ownerUid === null) return opened;
  try {
    const stat = await fstatFd(fd);
    check(stat, dir, ownerUid, stat.isDirectory(), "not a directory");
    return opened;
  } catch (err) {
    await closeFd(fd);
    throw err;
  }
}

/**
 * The path of `name` inside an open directory. /proc/self/fd/<fd> is the directory that was opened,
 * not whatever its path names now, so a parent folder swapped for a symlink is never followed.
 * Linux only, like the rest of the orchestrator's isolation.
 */
export function entryPath(dir: { fd: number }, name: string): string {
  return `/proc/self/fd/${dir.fd}/${name}`;
}

/** A file's type in words, for logs. */
export function describeType(stat: Stats): string {
  if (stat.isSymbolicLink()) return "a symlink";
  if (stat.isFIFO()) return "a FIFO";
  if (stat.isSocket()) return "a socket";
  if (stat.isCharacterDevice() || stat.isBlockDevice()) return "a device";
  if (stat.isDirectory()) return "a directory";
  return stat.isFile() ? "a regular file" : "a special file";
}

async function openNoFollow<T>(open: () => Promise<T>, file: string, directory: boolean): Promise<T | null> {
  try {
    return await open();
  } catch (err) {
    if (isCode(err, "ENOENT")) return null;
    // ELOOP: the last component is a symlink. With O_DIRECTORY a symlink or any non-directory is ENOTDIR.
    if (isCode(err, "ELOOP")) throw new RefusedFileError(file, directory ? "not a directory (a symlink?)" : "a symlink");
    if (isCode(err, "ENOTDIR") && directory) throw new RefusedFileError(file, "not a directory (a symlink?)");
    if (isCode(err, "ENOTDIR")) return null; // a parent folder became a file: the path is gone
    if (isCode(err, "ENXIO")) throw new RefusedFileError(file, "a socket");
    throw err;
  }
}

function check(stat: Stats, file: string, ownerUid: number | null, isExpectedType: boolean, notExpected: string): void {
  if (!isExpectedType) throw new RefusedFileError(file, `${notExpected}: ${describeType(stat)}`);
  if (ownerUid !== null && stat.uid !== ownerUid) throw new RefusedFileError(file, `owned by uid ${stat.uid}, not the tenant's uid ${ownerUid}`);
}
