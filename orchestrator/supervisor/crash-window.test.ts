import { describe, expect, it } from "vitest";
import { isCrashLoop, recordCrash } from "./crash-window";

const policy = { maxCrashes: 3, windowMs: 1000 };

describe("crash window", () => {
  it("keeps only crashes inside the window and appends the new one", () => {
    expect(recordCrash([0, 500, 900], 1200, policy)).toEqual([500, 900, 1200]);
    expect(recordCrash([], 5, policy)).toEqual([5]);
  });

  it("drops a crash exactly windowMs old", () => {
    expect(recordCrash([200], 1200, policy)).toEqual([1200]);
  });

  it.each([
    [[1], false],
    [[1, 2], false],
    [[1, 2, 3], true],
    [[1, 2, 3, 4], true],
  ])("%j is a crash loop: %s", (recent, loop) => {
    expect(isCrashLoop(recent, policy)).toBe(loop);
  });

  it("spaced-out crashes never form a loop", () => {
    let history: number[] = [];
    for (let t = 0; t < 10_000; t += 600) {
      history = recordCrash(history, t, policy);
      expect(isCrashLoop(history, policy)).toBe(false);
    }
  });
});
