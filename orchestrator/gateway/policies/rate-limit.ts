import { RateLimiterMemory, RateLimiterRes } from "rate-limiter-flexible";
import { RateLimitExceededError } from "../errors";
import type { GatewayLimits } from "../types";
import { instanceOf, type Policy, type PolicyOutcome } from "./context";

/**
 * Requests per second per client IP on one instance, and per instance from everyone (fixed
 * one-second windows, in memory: entries expire with their window). 429 with RateLimit-* beyond.
 */
export function rateLimitPolicy(limits: Pick<GatewayLimits, "ratePerIp" | "ratePerInstance">): Policy {
  const perIp = limits.ratePerIp > 0 ? new RateLimiterMemory({ points: limits.ratePerIp, duration: 1 }) : null;
  const perInstance = limits.ratePerInstance > 0 ? new RateLimiterMemory({ points: limits.ratePerInstance, duration: 1 }) : null;
  return {
    name: "rate-limit",
    async run(ctx): Promise<PolicyOutcome> {
      if (!perIp && !perInstance) return "next";
      const { id } = instanceOf(ctx);
      if (perIp) await consume(perIp, `${id} ${ctx.clientIp}`, "Too many requests from your address to this instance.");
      if (perInstance) await consume(perInstance, id, "This instance is receiving too many requests.");
      return "next";
    },
  };
}

/** Takes one point; the library rejects with a RateLimiterRes when the window is used up. */
async function consume(limiter: RateLimiterMemory, key: string, message: string): Promise<void> {
  try {
    await limiter.consume(key);
  } catch (rejection) {
    if (!(rejection instanceof RateLimiterRes)) throw rejection;
    const retryAfter = Math.max(1, Math.ceil(rejection.msBeforeNext / 1000));
    throw new RateLimitExceededError(`${message} Try again in ${retryAfter} s.`, limiter.points, retryAfter);
  }
}
