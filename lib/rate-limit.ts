import { type RateLimiterAbstract, RateLimiterRes } from "rate-limiter-flexible";
import { RateLimitError } from "./errors";

/**
 * Takes one point for `key`; past the limit it throws a 429 whose message `describe` words from
 * the seconds to wait (also sent as Retry-After).
 */
export async function consumeOrThrow(limiter: RateLimiterAbstract, key: string, describe: (seconds: number) => string): Promise<void> {
  try {
    await limiter.consume(key);
  } catch (rejection) {
    // rate-limiter-flexible rejects with a RateLimiterRes when the limit is reached, an Error otherwise.
    if (!(rejection instanceof RateLimiterRes)) throw rejection;
    const seconds = Math.max(1, Math.ceil(rejection.msBeforeNext / 1000));
    throw new RateLimitError(describe(seconds), seconds);
  }
}
