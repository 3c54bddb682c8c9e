import { randomBytes } from "node:crypto";
import { Readable, Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { gunzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { createParallelGzip } from "./parallel-gzip";

async function compress(input: Buffer, sourceChunk: number, options = { level: 1, chunkBytes: 1000, parallelism: 3 }): Promise<Buffer> {
  const out: Buffer[] = [];
  const pieces = Array.from({ length: Math.ceil(input.length / sourceChunk) }, (_, i) => input.subarray(i * sourceChunk, (i + 1) * sourceChunk));
  await pipeline(Readable.from(pieces), createParallelGzip(options), new Writable({ write: (c: Buffer, _e, cb) => (out.push(c), cb()) }));
  return Buffer.concat(out);
}

describe("createParallelGzip", () => {
  const text = Buffer.from("pocketbase snapshot ".repeat(2000));
  it.each([
    ["empty input", Buffer.alloc(0), 10],
    ["less than one chunk", Buffer.from("hello"), 10],
    ["exactly one chunk", randomBytes(1000), 1000],
    ["many chunks, odd source pieces", Buffer.concat([text, randomBytes(7777), text]), 333],
    ["source pieces bigger than a chunk", Buffer.concat([randomBytes(5000), text]), 4096],
  ])("round-trips %s through standard gunzip, in order", async (_name, input, sourceChunk) => {
    const compressed = await compress(input, sourceChunk);
    expect(gunzipSync(compressed).equals(input)).toBe(true);
  });

  it("actually compresses", async () => {
    expect((await compress(text, 4096)).length).toBeLessThan(text.length / 10);
  });
});
