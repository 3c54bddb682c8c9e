import { RateLimiterMemory } from "rate-limiter-flexible";
import { describe, expect, it } from "vitest";
import { consumeOrThrow } from "./rate-limit";

describe("consumeOrThrow", () => {
  it("lets `points` calls through per key, then throws a 429 with the wait in seconds", async () => {
    const limiter = new RateLimiterMemory({ points: 2, duration: 60 });
    const say = (s: number) => `wait ${s} s`;
    await consumeOrThrow(limiter, "a", say);
    await consumeOrThrow(limiter, "a", say);
    await expect(consumeOrThrow(limiter, "a", say)).rejects.toMatchObject({ status: 429, code: "rate_limited", retryAfterSeconds: 60, message: "wait 60 s" });
    await consumeOrThrow(limiter, "b", say); // other keys are counted apart
  });
});
