import { RateLimitError } from "../errors";
import { createRateLimiter, type RateLimiter } from "../rate-limit";
import { clientIp } from "./client-ip";

/** Sign-ups accepted per client address in `signupWindowMs`. */
export const signupLimit = 20;
export const signupWindowMs = 10 * 60_000;

let limiter: RateLimiter | undefined;

/** Counts a sign-up attempt from this request's address; over the limit it throws a 429. */
export function assertSignupAllowed(req: Request, now: number): void {
  limiter ??= createRateLimiter({ limit: signupLimit, windowMs: signupWindowMs });
  const result = limiter.hit(clientIp(req.headers.get("x-forwarded-for")), now);
  if (result.allowed) return;
  const seconds = Math.ceil(result.retryAfterMs / 1000);
  throw new RateLimitError(`Too many sign-ups from your network. Try again in ${Math.ceil(seconds / 60)} minutes.`, seconds);
}
