import { Readable, Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { describe, expect, it } from "vitest";
import { Coalescer } from "./stream-taps";

async function pieces(input: Buffer[], bytes: number): Promise<Buffer[]> {
  const out: Buffer[] = [];
  await pipeline(Readable.from(input), new Coalescer(bytes), new Writable({ write: (c: Buffer, _e, cb) => (out.push(c), cb()) }));
  return out;
}

describe("Coalescer", () => {
  it("passes small pieces on as pieces of at least the size, in order, the rest last", async () => {
    const input = Array.from({ length: 10 }, (_, i) => Buffer.alloc(3, i));
    const out = await pieces(input, 8);
    expect(out.map((p) => p.length)).toEqual([9, 9, 9, 3]);
    expect(Buffer.concat(out).equals(Buffer.concat(input))).toBe(true);
  });

  it("passes a large piece on as it is, and nothing for no input", async () => {
    const big = Buffer.alloc(100, 7);
    const [only] = await pieces([big], 8);
    expect(only).toBe(big);
    expect(await pieces([], 8)).toEqual([]);
  });
});
