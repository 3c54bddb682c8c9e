import fs from "node:fs";
import { type Duplex, PassThrough, Readable, type Transform, type Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { ObjectStorage } from "../storage/object-storage";
import { type Codec, createCompressor, createDecompressor } from "./codecs";
import { Coalescer, MeasuringTap } from "./stream-taps";
import type { Opened } from "./tenant-file";

/** What went through a transfer: the uncompressed bytes' sha256 and size, and the stored size. */
export type Transferred = { sha256: string; size: number; storedSize: number };

/** Large reads cut per-chunk overhead in hashing, compression and the S3 part buffer. */
const READ_CHUNK = 1024 * 1024;

/**
 * Reads an open file from its start up to the size it had when opened, so a file a tenant keeps
 * growing cannot keep a snapshot reading forever. The handle stays open for the caller to reuse.
 */
function readOpened(opened: Opened): Readable {
  if (opened.stat.size === 0) return Readable.from([]);
  return opened.handle.createReadStream({ start: 0, end: opened.stat.size - 1, autoClose: false, highWaterMark: READ_CHUNK });
}

/** Files up to this size are read into memory once: for many tiny files, per-stream costs dominate. */
export const SMALL_FILE_BYTES = 256 * 1024;

/** An open small file's content, up to the size it had when opened (see `SMALL_FILE_BYTES`). */
export async function readSmallOpened(opened: Opened): Promise<Buffer> {
  const size = opened.stat.size;
  if (size > SMALL_FILE_BYTES) throw new Error(`readSmallOpened: ${size} bytes is not small`);
  const buffer = Buffer.alloc(size);
  let filled = 0;
  while (filled < size) {
    const { bytesRead } = await opened.handle.read(buffer, filled, size - filled, filled);
    if (bytesRead === 0) break; // shrank since it was opened
    filled += bytesRead;
  }
  return buffer.subarray(0, filled);
}

/** sha256 and size of an open file's content (see `readOpened`). */
export async function hashOpened(opened: Opened): Promise<{ sha256: string; size: number }> {
  const tap = new MeasuringTap({ hash: true });
  await pipeline(readOpened(opened), tap, async function (source: AsyncIterable<Buffer>) {
    for await (const chunk of source) void chunk; // drain: the tap measures on the way
  });
  return { sha256: tap.digest(), size: tap.bytes };
}

/** Streams an open file through sha256 and zstd at `level` into `key`. */
export async function uploadCompressed(storage: ObjectStorage, key: string, opened: Opened, level: number): Promise<Transferred> {
  const raw = new MeasuringTap({ hash: true });
  const stored = new MeasuringTap({ hash: false });
  await streamToStorage(storage, key, [readOpened(opened), raw, createCompressor(level), stored], "application/zstd");
  return { sha256: raw.digest(), size: raw.bytes, storedSize: stored.bytes };
}

/** Streams an open file as is into `key`, hashing it on the way. */
export async function uploadRaw(storage: ObjectStorage, key: string, opened: Opened): Promise<Transferred> {
  const raw = new MeasuringTap({ hash: true });
  await streamToStorage(storage, key, [readOpened(opened), raw], "application/octet-stream");
  return { sha256: raw.digest(), size: raw.bytes, storedSize: raw.bytes };
}

/** Downloads `key` into the new file `dest`, decompressing it when stored with a `codec`, hashing the result. */
export async function download(storage: ObjectStorage, key: string, dest: string, options: { codec?: Codec; mode?: number }): Promise<Transferred> {
  const source = await storage.get(key);
  const stored = new MeasuringTap({ hash: false });
  const raw = new MeasuringTap({ hash: true });
  const stages: Array<Readable | Transform | Writable> = [source, stored];
  if (options.codec) stages.push(new Coalescer(READ_CHUNK), createDecompressor(options.codec));
  stages.push(raw, fs.createWriteStream(dest, { flags: "wx", mode: options.mode ?? 0o644 }));
  await pipeline(stages);
  return { sha256: raw.digest(), size: raw.bytes, storedSize: stored.bytes };
}

/**
 * Pipes `stages` into `storage.put`. Either side failing tears the other down, so no stream is
 * left waiting on back-pressure and every file handle is closed before the caller cleans up.
 */
async function streamToStorage(storage: ObjectStorage, key: string, stages: [Readable, ...Duplex[]], contentType: string): Promise<void> {
  const body = new PassThrough();
  const pump = pipeline([...stages, body]);
  const put = storage.put(key, body, { contentType });
  try {
    await Promise.all([pump, put]);
  } catch (err) {
    for (const stream of [...stages, body]) stream.destroy();
    // Both promises settle once their streams are destroyed; the first failure is the one reported.
    await Promise.allSettled([pump, put]);
    throw err;
  }
}
