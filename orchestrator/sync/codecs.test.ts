import { randomBytes } from "node:crypto";
import { Readable, Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { gzipSync, zstdCompressSync, zstdDecompressSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { codecOfKey, createCompressor, createDecompressor, type Codec } from "./codecs";

const pieces = (input: Buffer, size: number) => Array.from({ length: Math.ceil(input.length / size) }, (_, i) => input.subarray(i * size, (i + 1) * size));

async function through(stream: NodeJS.ReadWriteStream, input: Buffer, sourceChunk: number): Promise<Buffer> {
  const out: Buffer[] = [];
  await pipeline(Readable.from(pieces(input, sourceChunk)), stream, new Writable({ write: (c: Buffer, _e, cb) => (out.push(c), cb()) }));
  return Buffer.concat(out);
}

const text = Buffer.from("pocketbase snapshot ".repeat(200_000));

describe("database copy codecs", () => {
  it.each([
    ["empty input", Buffer.alloc(0), 10],
    ["a few bytes", Buffer.from("hello"), 10],
    ["4 MB of text and random bytes in odd pieces", Buffer.concat([text, randomBytes(77_777), text]), 333_333],
  ])("round-trips %s as one standard zstd frame", async (_name, input, sourceChunk) => {
    const compressed = await through(createCompressor(1), input, sourceChunk);
    expect(zstdDecompressSync(compressed).equals(input)).toBe(true); // what any zstd reader sees
    expect((await through(createDecompressor("zstd"), compressed, 777)).equals(input)).toBe(true);
  });

  it("tells a copy's codec by its key: .zst, else gzip (copies stored before zstd)", () => {
    expect(codecOfKey("tenants/a/snapshots/3/data.db.zst")).toBe("zstd");
    expect(codecOfKey("tenants/a/snapshots/1/data.db.gz")).toBe("gzip");
  });

  it("compresses", async () => {
    expect((await through(createCompressor(1), text, 65_536)).length).toBeLessThan(text.length / 10);
  });

  it("reads copies written before zstd: gzip with several members", async () => {
    const [a, b] = [randomBytes(5000), text.subarray(0, 9000)];
    const stored = Buffer.concat([gzipSync(a), gzipSync(b)]);
    expect((await through(createDecompressor("gzip"), stored, 1000)).equals(Buffer.concat([a, b]))).toBe(true);
  });

  it.each<[Codec, Buffer]>([
    ["gzip", zstdCompressSync(text)],
    ["zstd", gzipSync(text)],
  ])("refuses a copy that is not %s", async (codec, stored) => {
    await expect(through(createDecompressor(codec), stored, 4096)).rejects.toThrow();
  });
});
