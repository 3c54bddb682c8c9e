import fs from "node:fs";
import { type Duplex, PassThrough, type Readable, type Transform, type Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createGunzip } from "node:zlib";
import type { ObjectStorage } from "../storage/object-storage";
import { createParallelGzip, type ParallelGzipOptions } from "./parallel-gzip";
import { MeasuringTap } from "./stream-taps";

/** What went through a transfer: the uncompressed bytes' sha256 and size, and the stored size. */
export type Transferred = { sha256: string; size: number; storedSize: number };

/** Large reads cut per-chunk overhead in hashing, gzip and the S3 part buffer. */
const READ_CHUNK = 1024 * 1024;

/** Streams `file` through sha256 and gzip into `key`. */
export async function uploadCompressed(storage: ObjectStorage, key: string, file: string, gzip: ParallelGzipOptions): Promise<Transferred> {
  const raw = new MeasuringTap({ hash: true });
  const stored = new MeasuringTap({ hash: false });
  await streamToStorage(storage, key, [fs.createReadStream(file, { highWaterMark: READ_CHUNK }), raw, createParallelGzip(gzip), stored], "application/gzip");
  return { sha256: raw.digest(), size: raw.bytes, storedSize: stored.bytes };
}

/** Streams `file` as is into `key`, hashing it on the way. */
export async function uploadRaw(storage: ObjectStorage, key: string, file: string): Promise<Transferred> {
  const raw = new MeasuringTap({ hash: true });
  await streamToStorage(storage, key, [fs.createReadStream(file, { highWaterMark: READ_CHUNK }), raw], "application/octet-stream");
  return { sha256: raw.digest(), size: raw.bytes, storedSize: raw.bytes };
}

/** Downloads `key` into the new file `dest`, gunzipping when `compressed`, hashing the result. */
export async function download(storage: ObjectStorage, key: string, dest: string, options: { compressed: boolean; mode?: number }): Promise<Transferred> {
  const source = await storage.get(key);
  const stored = new MeasuringTap({ hash: false });
  const raw = new MeasuringTap({ hash: true });
  const stages: Array<Readable | Transform | Writable> = [source, stored];
  if (options.compressed) stages.push(createGunzip());
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
