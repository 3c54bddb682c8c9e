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
  const shown = JSON.stringify(raw.slice(0, 200));
  if (raw.startsWith("/")) throw new InvalidBundleError(`Bundle entry ${shown} has an absolute path; only relative paths are allowed.`);
  if (FORBIDDEN.test(raw)) throw new InvalidBundleError(`Bundle entry ${shown} has a backslash, colon or control character in its name.`);
  let p = raw;
  while (p.startsWith("./")) p = p.slice(2);
  if (p.endsWith("/")) p = p.slice(0, -1);
  if (Buffer.byteLength(p) > MAX_PATH_BYTES) throw new InvalidBundleError(`Bundle entry ${shown} has a path longer than ${MAX_PATH_BYTES} bytes.`);
  const segments = p.split("/");
  for (const segment of segments) {
    if (segment === "..") throw new InvalidBundleError(`Bundle entry ${shown} leads out of its folder ("..").`);
    if (segment === "" || segment === ".") throw new InvalidBundleError(`Bundle entry ${shown} has an empty or "." path segment.`);
    if (Buffer.byteLength(segment) > MAX_NAME_BYTES) throw new InvalidBundleError(`Bundle entry ${shown} has a name longer than ${MAX_NAME_BYTES} bytes.`);
  }
  if (!(CODE_ROOTS as readonly string[]).includes(segments[0] ?? "")) {
    throw new InvalidBundleError(`Bundle entry ${shown} is outside ${CODE_ROOTS.map((r) => `${r}/`).join(", ")}; a bundle holds only those folders.`);
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

/**
 * Collects the files of one bundle and refuses duplicates, a file that is also a folder of another
 * entry, and more than `maxFiles` files.
 */
export function createEntryIndex(limits: BundleLimits) {
  const files = new Set<string>();
  const folders = new Set<string>();
  const parentsOf = (p: string) => {
    const segments = p.split("/");
    return segments.slice(1, -1).map((_, i) => segments.slice(0, i + 2).join("/"));
  };
  return {
    addFolder(p: string): void {
      if (files.has(p)) throw new InvalidBundleError(`Bundle entry ${JSON.stringify(p)} is both a file and a folder.`);
      folders.add(p);
    },
    addFile(p: string): void {
      if (files.has(p)) throw new InvalidBundleError(`Bundle entry ${JSON.stringify(p)} appears twice.`);
      if (folders.has(p)) throw new InvalidBundleError(`Bundle entry ${JSON.stringify(p)} is both a file and a folder.`);
      if (p.split("/").length < 2) throw new InvalidBundleError(`Bundle entry ${JSON.stringify(p)} must be a folder, not a file.`);
      if (files.size >= limits.maxFiles) throw new InvalidBundleError(`The bundle has more than ${limits.maxFiles.toLocaleString("en-US")} files.`);
      files.add(p);
      for (const parent of parentsOf(p)) folders.add(parent);
    },
    /** Called once every entry was added: a path used as a file and (later) as a folder is refused. */
    finish(): void {
      for (const p of files) if (folders.has(p)) throw new InvalidBundleError(`Bundle entry ${JSON.stringify(p)} is both a file and a folder.`);
    },
  };
}
