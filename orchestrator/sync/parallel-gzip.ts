import { Duplex } from "node:stream";
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
  return Duplex.from(async function* (source: AsyncIterable<Buffer>) {
    const pending: Array<Promise<Buffer>> = [];
    const dispatch = (piece: Buffer) => {
      const compressed = gzipAsync(piece, { level: options.level });
      // Awaited in order below; marking it handled avoids an unhandled-rejection report while an
      // earlier chunk is still being awaited.
      compressed.catch(() => undefined);
      pending.push(compressed);
    };
    let parts: Buffer[] = [];
    let size = 0;
    let emittedAny = false;
    for await (const chunk of source) {
      parts.push(chunk);
      size += chunk.length;
      if (size < options.chunkBytes) continue;
      dispatch(Buffer.concat(parts, size));
      parts = [];
      size = 0;
      while (pending.length >= options.parallelism) {
        emittedAny = true;
        yield await (pending.shift() as Promise<Buffer>);
      }
    }
    // An empty input still needs one (empty) member to be valid gzip.
    if (size > 0 || (!emittedAny && pending.length === 0)) dispatch(Buffer.concat(parts, size));
    while (pending.length > 0) yield await (pending.shift() as Promise<Buffer>);
  });
}
