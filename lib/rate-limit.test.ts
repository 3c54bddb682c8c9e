import { describe, expect, it } from "vitest";
import { createRateLimiter } from "./rate-limit";

describe("createRateLimiter (sliding window)", () => {
  it("allows `limit` attempts per window, then refuses with the time until the oldest expires", () => {
    const limiter = createRateLimiter({ limit: 3, windowMs: 1000 });
    expect(limiter.hit("a", 0).allowed).toBe(true);
    expect(limiter.hit("a", 100).allowed).toBe(true);
    expect(limiter.hit("a", 200).allowed).toBe(true);
    expect(limiter.hit("a", 300)).toEqual({ allowed: false, retryAfterMs: 700 });
    expect(limiter.hit("a", 999).allowed).toBe(false);
    // The attempt at t=0 slides out of the window at t=1000.
    expect(limiter.hit("a", 1000).allowed).toBe(true);
    expect(limiter.hit("a", 1001)).toEqual({ allowed: false, retryAfterMs: 99 });
  });

  it("keeps keys independent and forgets a key on reset", () => {
    const limiter = createRateLimiter({ limit: 1, windowMs: 1000 });
    expect(limiter.hit("a", 0).allowed).toBe(true);
    expect(limiter.hit("b", 0).allowed).toBe(true);
    expect(limiter.hit("a", 1).allowed).toBe(false);
    limiter.reset("a");
    expect(limiter.hit("a", 2).allowed).toBe(true);
  });

  it("does not count refused attempts toward the window", () => {
    const limiter = createRateLimiter({ limit: 1, windowMs: 100 });
    limiter.hit("a", 0);
    for (let t = 10; t < 100; t += 10) expect(limiter.hit("a", t).allowed).toBe(false);
    expect(limiter.hit("a", 100).allowed).toBe(true);
  });
});
