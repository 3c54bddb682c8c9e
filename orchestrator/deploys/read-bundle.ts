import fs from "node:fs";
import path from "node:path";
import { type Readable, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createGunzip } from "node:zlib";
import * as tar from "tar-stream";
import yauzl from "yauzl";
import { AppError, UnsupportedMediaTypeError } from "../../lib/errors";
import { type BundleLimits, bundleTooLarge, type EntryKind, InvalidBundleError } from "./bundle-rules";

/** An entry's bytes: read them, or leave them (the reader drains what is left). */
type EntryBody = AsyncIterable<Buffer> & { resume(): unknown };

/** One archive entry as read; `body` is read before the next entry is asked for. */
export type BundleEntry = { path: string; kind: EntryKind; mode: number; size: number; body: EntryBody | null };

export type BundleFormat = "tar.gz" | "zip";

const FORMATS: Record<string, BundleFormat> = {
  "application/gzip": "tar.gz",
  "application/x-gzip": "tar.gz",
  "application/x-gtar": "tar.gz",
  "application/x-tgz": "tar.gz",
  "application/zip": "zip",
  "application/x-zip-compressed": "zip",
};

/** The bundle format a Content-Type names; anything else is 415. */
export function bundleFormatOf(contentType: string | undefined): BundleFormat {
  const type = contentType?.split(";")[0]?.trim().toLowerCase() ?? "";
  const format = FORMATS[type];
  if (!format) {
    throw new UnsupportedMediaTypeError(
      `A bundle is sent as application/gzip (a .tar.gz) or application/zip, not ${type ? JSON.stringify(type) : "without a Content-Type"}.`,
    );
  }
  return format;
}

/** Passes bytes through until more than `limit` went by, then fails with `tooMuch()`. */
function byteLimit(limit: number, tooMuch: () => Error): Transform {
  let seen = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      seen += chunk.length;
      done(seen > limit ? tooMuch() : null, chunk);
    },
  });
}

/** Any error of the gzip or tar layers means the body is not a tar.gz (our own errors pass). */
function asBundleError(err: unknown, what: string): unknown {
  if (err instanceof AppError) return err;
  return new InvalidBundleError(`The body is not a valid ${what}: ${err instanceof Error ? err.message : String(err)}.`);
}

/**
 * Streams the entries of a tar.gz. The compressed upload and the inflated tar stream are both
 * bounded (the latter by the files' limit plus room for headers), so a decompression bomb stops
 * at the limit however far it would inflate.
 */
async function* tarGzEntries(body: Readable, limits: BundleLimits): AsyncGenerator<BundleEntry> {
  const extract = tar.extract();
  const inflatedLimit = limits.maxBytes + 1024 * (limits.maxFiles + 16) + 1024 * 1024;
  const piping = pipeline(
    body,
    byteLimit(limits.maxBytes, () => bundleTooLarge(limits)),
    createGunzip(),
    byteLimit(inflatedLimit, () => bundleTooLarge(limits)),
    extract,
  );
  let failure: unknown;
  piping.catch((err: unknown) => {
    failure = asBundleError(err, "tar.gz archive");
    extract.destroy(failure as Error);
  });
  try {
    for await (const entry of extract) {
      const header = entry.header;
      yield { path: header.name, kind: tarKind(header.type), mode: header.mode ?? 0o644, size: header.size ?? 0, body: entry as unknown as EntryBody }; // streamx readables iterate like Node's
      entry.resume(); // drains whatever the consumer left unread
    }
    await piping;
  } catch (err) {
    throw failure ?? asBundleError(err, "tar.gz archive");
  }
}

function tarKind(type: tar.Header["type"]): EntryKind {
  switch (type) {
    case "file":
    case "contiguous-file":
      return "file";
    case "directory":
      return "directory";
    case "symlink":
      return "symlink";
    case "link":
      return "hardlink";
    default:
      return "other";
  }
}

/**
 * Streams the entries of a zip. A zip's directory sits at its end, so the upload is first written
 * (bounded) to `spoolFile`, then read entry by entry; each entry's declared size is checked
 * before it is inflated and yauzl checks the inflated size against it.
 */
async function* zipEntries(body: Readable, limits: BundleLimits, spoolFile: string): AsyncGenerator<BundleEntry> {
  await pipeline(
    body,
    byteLimit(limits.maxBytes, () => bundleTooLarge(limits)),
    fs.createWriteStream(spoolFile, { flags: "wx", mode: 0o600 }),
  );
  const zip = await new Promise<yauzl.ZipFile>((resolve, reject) =>
    yauzl.open(spoolFile, { lazyEntries: true, autoClose: true, validateEntrySizes: true }, (err, file) =>
      err ? reject(asBundleError(err, "zip archive")) : resolve(file),
    ),
  );
  try {
    for (;;) {
      const entry = await nextZipEntry(zip);
      if (!entry) return;
      if (entry.fileName.startsWith("__MACOSX/")) continue; // Finder's resource-fork copies, not part of the project
      const kind = zipKind(entry);
      if (kind === "file" && entry.uncompressedSize > limits.maxBytes) throw bundleTooLarge(limits);
      const body = kind === "file" ? await openZipEntry(zip, entry) : null;
      yield { path: entry.fileName, kind, mode: zipMode(entry), size: entry.uncompressedSize, body };
      body?.resume();
    }
  } finally {
    zip.close();
  }
}

function nextZipEntry(zip: yauzl.ZipFile): Promise<yauzl.Entry | null> {
  return new Promise((resolve, reject) => {
    const cleanup = () => {
      zip.off("entry", onEntry);
      zip.off("end", onEnd);
      zip.off("error", onError);
    };
    const onEntry = (entry: yauzl.Entry) => (cleanup(), resolve(entry));
    const onEnd = () => (cleanup(), resolve(null));
    const onError = (err: unknown) => (cleanup(), reject(asBundleError(err, "zip archive")));
    zip.on("entry", onEntry);
    zip.on("end", onEnd);
    zip.on("error", onError);
    zip.readEntry();
  });
}

function openZipEntry(zip: yauzl.ZipFile, entry: yauzl.Entry): Promise<Readable> {
  return new Promise((resolve, reject) => zip.openReadStream(entry, (err, stream) => (err ? reject(asBundleError(err, "zip archive")) : resolve(stream))));
}

const S_IFMT = 0o170000;

/** Unix file type bits, when the zip was made on Unix (else none are recorded). */
function unixMode(entry: yauzl.Entry): number | null {
  return entry.versionMadeBy >> 8 === 3 ? (entry.externalFileAttributes >>> 16) & 0xffff : null;
}

function zipKind(entry: yauzl.Entry): EntryKind {
  const type = (unixMode(entry) ?? 0) & S_IFMT;
  if (type === 0o120000) return "symlink";
  if (entry.fileName.endsWith("/") || type === 0o040000) return "directory";
  if (type === 0 || type === 0o100000) return "file";
  return "other";
}

function zipMode(entry: yauzl.Entry): number {
  return (unixMode(entry) ?? 0o644) & 0o777;
}

/** The entries of a bundle in either format; `workDir` (ours alone) holds a zip's spooled upload. */
export function bundleEntries(format: BundleFormat, body: Readable, limits: BundleLimits, workDir: string): AsyncGenerator<BundleEntry> {
  return format === "zip" ? zipEntries(body, limits, path.join(workDir, "upload.zip")) : tarGzEntries(body, limits);
}
