import type { Transform } from "node:stream";
import { constants, createGunzip, createZstdCompress, createZstdDecompress } from "node:zlib";

/**
 * How a database copy is compressed in the store. New copies are zstd: at level 1 it compresses
 * 5-10 times as fast as gzip level 1 and decompresses a 10 MB database 2-4 times as fast (the
 * restore of a wake from the store waits for it). Copies written before are gzip and still read.
 */
export const codecs = ["gzip", "zstd"] as const;
export type Codec = (typeof codecs)[number];

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
  return createZstdCompress({ chunkSize: OUTPUT_CHUNK, params: { [constants.ZSTD_c_compressionLevel]: level } });
}

/** A stream that decompresses a stored copy of `codec` (gzip: one or several members). */
export function createDecompressor(codec: Codec): Transform {
  return codec === "gzip" ? createGunzip({ chunkSize: OUTPUT_CHUNK }) : createZstdDecompress({ chunkSize: OUTPUT_CHUNK });
}
