import { describe, expect, it } from "vitest";
import { createRingBuffer } from "./ring-buffer";

describe("ring buffer", () => {
  it("returns the last n items in order", () => {
    const ring = createRingBuffer<string>(3);
    expect(ring.last(5)).toEqual([]);
    ring.push("a");
    ring.push("b");
    expect(ring.last(5)).toEqual(["a", "b"]);
    expect(ring.last(1)).toEqual(["b"]);
  });

  it("drops the oldest items past capacity", () => {
    const ring = createRingBuffer<number>(3);
    for (let i = 1; i <= 7; i++) ring.push(i);
    expect(ring.size).toBe(3);
    expect(ring.last(3)).toEqual([5, 6, 7]);
    expect(ring.last(2)).toEqual([6, 7]);
    expect(ring.last(0)).toEqual([]);
    expect(ring.last(-1)).toEqual([]);
  });

  it("rejects a zero capacity", () => {
    expect(() => createRingBuffer(0)).toThrow(RangeError);
  });
});
