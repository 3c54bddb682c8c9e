import { RateLimiterMemory } from "rate-limiter-flexible";
import { consumeOrThrow } from "../rate-limit";

/** Sign-ups accepted per client address in `signupWindowSeconds`. */
export const signupLimit = 20;
export const signupWindowSeconds = 10 * 60;

let limiter: RateLimiterMemory | undefined;

/**
 * Counts a sign-up attempt from `clientIp` (lib/auth/client-address.ts); over the limit it throws
 * a 429 with Retry-After. Kept in memory per web process.
 */
export async function assertSignupAllowed(clientIp: string): Promise<void> {
  limiter ??= new RateLimiterMemory({ keyPrefix: "signup", points: signupLimit, duration: signupWindowSeconds });
  await consumeOrThrow(limiter, clientIp, (seconds) => `Too many sign-ups from your network. Try again in ${Math.ceil(seconds / 60)} minutes.`);
}
