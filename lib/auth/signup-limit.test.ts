import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { RateLimitError } from "../errors";
import { assertSignupAllowed, signupLimit, signupWindowSeconds } from "./signup-limit";

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe("assertSignupAllowed", () => {
  it("allows the limit per address, then refuses with Retry-After until the window ends", async () => {
    for (let i = 0; i < signupLimit; i++) await assertSignupAllowed("10.0.0.1");
    const refused = await assertSignupAllowed("10.0.0.1").catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(RateLimitError);
    expect((refused as RateLimitError).retryAfterSeconds).toBe(signupWindowSeconds);
    await assertSignupAllowed("10.0.0.2"); // another address has its own count
    vi.advanceTimersByTime(signupWindowSeconds * 1000);
    await assertSignupAllowed("10.0.0.1");
  });
});
