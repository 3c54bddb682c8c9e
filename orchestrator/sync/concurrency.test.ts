import { describe, expect, it } from "vitest";
import { runAllOrStop } from "./concurrency";

const tick = () => new Promise((r) => setTimeout(r, 5));

describe("runAllOrStop", () => {
  it("returns results in order and never exceeds the concurrency", async () => {
    let running = 0;
    let peak = 0;
    const tasks = Array.from({ length: 10 }, (_, i) => async () => {
      peak = Math.max(peak, ++running);
      await tick();
      running--;
      return i * 2;
    });
    expect(await runAllOrStop(3, tasks)).toEqual([0, 2, 4, 6, 8, 10, 12, 14, 16, 18]);
    expect(peak).toBe(3);
  });

  it("starts nothing after a failure and settles the running tasks before rejecting", async () => {
    const started: number[] = [];
    const finished: number[] = [];
    const tasks = Array.from({ length: 6 }, (_, i) => async () => {
      started.push(i);
      await tick();
      if (i === 0) throw new Error("boom");
      await tick();
      finished.push(i);
      return i;
    });
    await expect(runAllOrStop(2, tasks)).rejects.toThrow("boom");
    expect(started).toEqual([0, 1]);
    expect(finished).toEqual([1]); // the running task completed before the rejection
  });
});
