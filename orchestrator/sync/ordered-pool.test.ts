import { describe, expect, it } from "vitest";
import { createOrderedPool } from "./ordered-pool";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("createOrderedPool", () => {
  it("hands results over in push order with bounded concurrency and window", async () => {
    const seen: number[] = [];
    let running = 0;
    let maxRunning = 0;
    let maxQueued = 0;
    let pushed = 0;
    const pool = createOrderedPool<number>({ concurrency: 2, window: 4, onResult: (n) => void seen.push(n) });
    for (let i = 0; i < 20; i++) {
      await pool.push(async () => {
        running++;
        maxRunning = Math.max(maxRunning, running);
        await sleep((20 - i) % 5);
        running--;
        return i;
      });
      pushed++;
      maxQueued = Math.max(maxQueued, pushed - seen.length);
    }
    await pool.finish();
    expect(seen).toEqual([...Array(20).keys()]);
    expect(maxRunning).toBe(2);
    expect(maxQueued).toBeLessThanOrEqual(4);
  });

  it("rejects with the first failure only after every started task settled", async () => {
    const finished: number[] = [];
    const pool = createOrderedPool<number>({ concurrency: 3, window: 3, onResult: () => undefined });
    const push = (i: number, ms: number, fail = false) =>
      pool.push(async () => {
        await sleep(ms);
        finished.push(i);
        if (fail) throw new Error(`task ${i}`);
        return i;
      });
    await push(0, 5, true);
    await push(1, 30);
    await expect(push(2, 1)).rejects.toThrow("task 0");
    expect(finished.sort()).toEqual([0, 1, 2]);
    expect(pool.aborted).toBe(true);
  });

  it("a failing consumer stops the pool too", async () => {
    const pool = createOrderedPool<number>({
      concurrency: 1,
      window: 1,
      onResult: (n) => {
        if (n === 1) throw new Error("cannot store 1");
      },
    });
    await pool.push(async () => 0);
    await expect(pool.push(async () => 1)).rejects.toThrow("cannot store 1");
  });
});
