import { PayloadTooLargeError, UnprocessableError } from "../../lib/errors";

/** The folders a deploy bundle may hold; the bundle is the instance's whole code. */
export const CODE_ROOTS = ["pb_hooks", "pb_migrations", "pb_public"] as const;

/** What one bundle may unpack to. */
export type BundleLimits = {
  /** Unpacked bytes of all files together (and of the upload itself). */
  maxBytes: number;
  maxFiles: number;
};

const MAX_NAME_BYTES = 255;
const MAX_PATH_BYTES = 1024;
// Control characters (incl. NUL), backslashes and colons have no business in a portable file name.
const FORBIDDEN = /[\u0000-\u001f\u007f\\:]/;

/** A bundle that breaks a rule; the message names the entry and the rule. */
export class InvalidBundleError extends UnprocessableError {
  constructor(message: string) {
    super(message, undefined, "invalid_bundle");
  }
}

/** The bundle unpacks to more than the limit (or was uploaded larger than it). */
export function bundleTooLarge(limits: BundleLimits): PayloadTooLargeError {
  return new PayloadTooLargeError(limits.maxBytes);
}

/**
 * Checks one entry's path and returns it normalised (`./` prefix and a folder's trailing `/`
 * dropped): relative, inside one of the code roots, no `.`/`..`/empty segments, no backslashes,
 * control characters or colons, bounded lengths. Throws InvalidBundleError saying which rule broke.
 */
export function checkEntryPath(raw: string): string {
  const p = checkArchivePath(raw, "Bundle entry", (message) => new InvalidBundleError(message));
  if (!(CODE_ROOTS as readonly string[]).includes(p.split("/")[0] ?? "")) {
    throw new InvalidBundleError(
      `Bundle entry ${JSON.stringify(raw.slice(0, 200))} is outside ${CODE_ROOTS.map((r) => `${r}/`).join(", ")}; a bundle holds only those folders.`,
    );
  }
  return p;
}

/**
 * The path rules every uploaded archive's entries follow (deploy bundles, imports): relative, no
 * `.`/`..`/empty segments, no backslashes, control characters or colons, bounded lengths. Returns
 * the path normalised; `fail` makes the error, named after `noun` and the entry.
 */
export function checkArchivePath(raw: string, noun: string, fail: (message: string) => Error): string {
  const shown = `${noun} ${JSON.stringify(raw.slice(0, 200))}`;
  if (raw.startsWith("/")) throw fail(`${shown} has an absolute path; only relative paths are allowed.`);
  if (FORBIDDEN.test(raw)) throw fail(`${shown} has a backslash, colon or control character in its name.`);
  let p = raw;
  while (p.startsWith("./")) p = p.slice(2);
  if (p.endsWith("/")) p = p.slice(0, -1);
  if (Buffer.byteLength(p) > MAX_PATH_BYTES) throw fail(`${shown} has a path longer than ${MAX_PATH_BYTES} bytes.`);
  for (const segment of p.split("/")) {
    if (segment === "..") throw fail(`${shown} leads out of its folder ("..").`);
    if (segment === "" || segment === ".") throw fail(`${shown} has an empty or "." path segment.`);
    if (Buffer.byteLength(segment) > MAX_NAME_BYTES) throw fail(`${shown} has a name longer than ${MAX_NAME_BYTES} bytes.`);
  }
  return p;
}

/** The kinds of entry an archive can hold; only files and folders are deployed. */
export type EntryKind = "file" | "directory" | "symlink" | "hardlink" | "other";

/** Refuses every entry that is not a plain file or folder. */
export function checkEntryKind(path: string, kind: EntryKind): void {
  if (kind === "file" || kind === "directory") return;
  const what = kind === "symlink" ? "a symbolic link" : kind === "hardlink" ? "a hard link" : "a device, FIFO or other special file";
  throw new InvalidBundleError(`Bundle entry ${JSON.stringify(path.slice(0, 200))} is ${what}; only regular files and folders can be deployed.`);
}

/** A folder of a bundle (its entries by name) or a file (null). */
type IndexNode = Map<string, IndexNode> | null;

/**
 * Collects the files and folders of one bundle as a tree and refuses duplicates, a path that is
 * both a file and a folder (in either order), more than `maxFiles` files, and more than `maxFiles`
 * folders below the code roots. The tree holds each folder once, by its own name, so memory and
 * work grow with the entries' path lengths; remembering every folder by its full path grew with
 * files × depth² (10,000 distinct chains 500 folders deep are a ~50 KB upload and gigabytes here).
 */
export function createEntryIndex(limits: BundleLimits) {
  const roots = new Map<string, IndexNode>();
  let fileCount = 0;
  let folderCount = 0;
  const bothFileAndFolder = (p: string) => new InvalidBundleError(`Bundle entry ${JSON.stringify(p)} is both a file and a folder.`);
  /** The folder at `segments` (made as needed; the first segment is a code root). */
  const folderAt = (segments: string[]): Map<string, IndexNode> => {
    let folder = roots;
    for (const [i, name] of segments.entries()) {
      let next = folder.get(name);
      if (next === undefined) {
        if (i > 0 && ++folderCount > limits.maxFiles) {
          throw new InvalidBundleError(`The bundle has more than ${limits.maxFiles.toLocaleString("en-US")} folders.`);
        }
        next = new Map();
        folder.set(name, next);
      } else if (next === null) {
        throw bothFileAndFolder(segments.slice(0, i + 1).join("/"));
      }
      folder = next;
    }
    return folder;
  };
  return {
    addFolder(p: string): void {
      folderAt(p.split("/"));
    },
    addFile(p: string): void {
      const segments = p.split("/");
      if (segments.length < 2) throw new InvalidBundleError(`Bundle entry ${JSON.stringify(p)} must be a folder, not a file.`);
      const name = segments.pop() as string;
      const folder = folderAt(segments);
      const existing = folder.get(name);
      if (existing === null) throw new InvalidBundleError(`Bundle entry ${JSON.stringify(p)} appears twice.`);
      if (existing !== undefined) throw bothFileAndFolder(p);
      if (fileCount >= limits.maxFiles) throw new InvalidBundleError(`The bundle has more than ${limits.maxFiles.toLocaleString("en-US")} files.`);
      fileCount++;
      folder.set(name, null);
    },
  };
}
