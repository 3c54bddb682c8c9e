import { Transform, type Duplex } from "node:stream";
import { promisify } from "node:util";
import { gzip } from "node:zlib";

const gzipAsync = promisify(gzip);

export type ParallelGzipOptions = { level: number; chunkBytes: number; parallelism: number };

/**
 * A gzip stream that compresses fixed-size chunks on several libuv threads at once and emits them
 * in order as concatenated gzip members (RFC 1952 allows several; gunzip and `gzip -d` read them
 * as one stream). Single-threaded gzip was the bottleneck of a stop-time upload on 2 cores; with
 * chunks of a few MB the size cost is negligible (the deflate window is 32 KB anyway).
 */
export function createParallelGzip(options: ParallelGzipOptions): Duplex {
  // A Transform subclass rather than Duplex.from(async generator): destroying the latter while its
  // generator waits for input never emits 'close' on Node 22, which left a failed upload's
  // pipeline hanging (tests/sync.test.ts "rejects a failed upload").
  const pending: Array<Promise<Buffer>> = [];
  let parts: Buffer[] = [];
  let size = 0;
  let emittedAny = false;
  const dispatch = (piece: Buffer) => {
    const compressed = gzipAsync(piece, { level: options.level });
    // Awaited in order; marking it handled avoids an unhandled-rejection report while an earlier
    // chunk is still being awaited.
    compressed.catch(() => undefined);
    pending.push(compressed);
  };
  /** Emits the oldest compressed chunks, in order, until at most `keep` are in flight. */
  const drainTo = async (stream: Transform, keep: number) => {
    while (pending.length > keep) {
      emittedAny = true;
      stream.push(await (pending.shift() as Promise<Buffer>));
    }
  };
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      parts.push(chunk);
      size += chunk.length;
      if (size < options.chunkBytes) return callback();
      dispatch(Buffer.concat(parts, size));
      parts = [];
      size = 0;
      drainTo(this, options.parallelism - 1).then(() => callback(), callback);
    },
    flush(callback) {
      // An empty input still needs one (empty) member to be valid gzip.
      if (size > 0 || (!emittedAny && pending.length === 0)) dispatch(Buffer.concat(parts, size));
      drainTo(this, 0).then(() => callback(), callback);
    },
  });
}
