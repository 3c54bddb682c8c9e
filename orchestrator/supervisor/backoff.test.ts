import { describe, expect, it } from "vitest";
import { backoffDelay } from "./backoff";

describe("backoffDelay", () => {
  it.each([
    [1, 250],
    [2, 500],
    [3, 1000],
    [6, 8000],
    [7, 10_000],
    [1000, 10_000],
    [0, 250],
  ])("attempt %i waits %i ms by default", (attempt, ms) => {
    expect(backoffDelay(attempt)).toBe(ms);
  });

  it("follows a custom policy", () => {
    expect([1, 2, 3, 4].map((a) => backoffDelay(a, { initialMs: 10, maxMs: 30 }))).toEqual([10, 20, 30, 30]);
  });
});
