import { once } from "node:events";
import fs from "node:fs";
import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { StringDecoder } from "node:string_decoder";
import { createGunzip, createGzip } from "node:zlib";
import { MeasuringTap } from "./stream-taps";

/** What an NDJSON writer produced: values written, and the gzip file's size and sha256. */
export type NdjsonWritten = { count: number; size: number; sha256: string };

export type NdjsonWriter = {
  /** Appends one JSON value as a line; waits when the file cannot keep up. */
  write(value: unknown): Promise<void>;
  /** Flushes and closes the file. */
  close(): Promise<NdjsonWritten>;
  /** Stops writing and deletes the file. */
  abort(): Promise<void>;
};

/** Lines are written in batches of about this many characters: one gzip write per line is slow. */
const BATCH_CHARS = 64 * 1024;

/**
 * Streams JSON values, one per line, into the new gzip file `file` (mode 0600), so lists of any
 * length are written with bounded memory.
 */
export function createNdjsonWriter(file: string): NdjsonWriter {
  const gzip = createGzip();
  const stored = new MeasuringTap({ hash: true });
  const done = pipeline(gzip, stored, fs.createWriteStream(file, { flags: "wx", mode: 0o600 }));
  done.catch(() => undefined); // awaited by close/abort and raced by write
  let batch = "";
  let count = 0;

  const flush = async () => {
    const text = batch;
    batch = "";
    if (text && !gzip.write(text)) await Promise.race([once(gzip, "drain"), done]);
  };

  return {
    async write(value) {
      batch += `${JSON.stringify(value)}\n`;
      count++;
      if (batch.length >= BATCH_CHARS) await flush();
    },
    async close() {
      await flush();
      gzip.end();
      await done;
      return { count, size: stored.bytes, sha256: stored.digest() };
    },
    async abort() {
      gzip.destroy();
      await done.catch(() => undefined); // the destroy itself is the error here
      await fs.promises.rm(file, { force: true });
    },
  };
}

/**
 * The JSON values of a gzip NDJSON stream, one per line, read as they are needed. A line longer
 * than `maxLineChars` (a corrupt or hostile file) rejects instead of filling memory.
 */
export async function* readNdjson(source: Readable, maxLineChars = 64 * 1024): AsyncGenerator<unknown> {
  const gunzip = createGunzip();
  source.on("error", (err) => gunzip.destroy(err));
  source.pipe(gunzip);
  const decoder = new StringDecoder("utf8");
  let pending = "";
  try {
    for await (const chunk of gunzip) {
      pending += decoder.write(chunk as Buffer);
      let start = 0;
      for (let newline = pending.indexOf("\n"); newline !== -1; newline = pending.indexOf("\n", start)) {
        const line = pending.slice(start, newline);
        start = newline + 1;
        if (line) yield JSON.parse(line);
      }
      pending = pending.slice(start);
      if (pending.length > maxLineChars) throw new Error(`NDJSON line longer than ${maxLineChars} characters`);
    }
    pending += decoder.end();
    if (pending) yield JSON.parse(pending);
  } finally {
    source.destroy();
    gunzip.destroy();
  }
}
