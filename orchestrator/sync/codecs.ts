import type { Transform } from "node:stream";
// zlib's namespace rather than named imports: on a Node without zstd this module still loads, and
// the startup check (tools/node-version.ts) says which Node PicoBase needs.
import zlib from "node:zlib";

/**
 * How a database copy is compressed in the store. New copies are zstd: at level 1 it compresses
 * 5-10 times as fast as gzip level 1 and decompresses a 10 MB database 2-4 times as fast (the
 * restore of a wake from the store waits for it). Copies written before are gzip and still read.
 */
export type Codec = "gzip" | "zstd";

/** What the key of a zstd copy ends with (keys.ts); a gzip one's ends with .gz. */
export const ZSTD_EXTENSION = ".zst";

/**
 * The codec of the stored database copy `key`. The key says it rather than a manifest field: a
 * node of an earlier version (a rolling upgrade) that carries an entry over into a new manifest
 * drops the fields it does not know, but keeps the key.
 */
export function codecOfKey(key: string): Codec {
  return key.endsWith(ZSTD_EXTENSION) ? "zstd" : "gzip";
}

/**
 * Output comes in pieces of this size: with zlib's default of 16 KB, decompressing a 10 MB
 * database took 2-3 times as long, spent passing chunks between the zlib thread and the loop.
 */
const OUTPUT_CHUNK = 1024 * 1024;

/**
 * A zstd compressor at `level` (on a libuv thread). Its output is one frame: Node's decoder stops
 * after the first frame of a stream (22.23 and 24.21), so copies are never concatenated frames.
 */
export function createCompressor(level: number): Transform {
  return zlib.createZstdCompress({ chunkSize: OUTPUT_CHUNK, params: { [zlib.constants.ZSTD_c_compressionLevel]: level } });
}

/** A stream that decompresses a stored copy of `codec` (gzip: one or several members). */
export function createDecompressor(codec: Codec): Transform {
  return codec === "gzip" ? zlib.createGunzip({ chunkSize: OUTPUT_CHUNK }) : zlib.createZstdDecompress({ chunkSize: OUTPUT_CHUNK });
}
