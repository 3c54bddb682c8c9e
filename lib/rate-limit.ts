/** Outcome of one attempt: allowed, or refused with the wait until the oldest attempt expires. */
export type RateLimitResult = { allowed: true } | { allowed: false; retryAfterMs: number };

/** An in-memory sliding-window limiter: at most `limit` attempts per key in any `windowMs`. */
export type RateLimiter = {
  hit: (key: string, now: number) => RateLimitResult;
  reset: (key: string) => void;
};

/** Creates a limiter; keys (e.g. email + IP) are independent. Time comes from the caller. */
export function createRateLimiter({ limit, windowMs }: { limit: number; windowMs: number }): RateLimiter {
  const attempts = new Map<string, number[]>();
  const prune = (now: number) => {
    // Bounded memory: drop keys whose whole window has passed once the map grows.
    if (attempts.size < 10_000) return;
    for (const [k, times] of attempts) if ((times.at(-1) ?? 0) <= now - windowMs) attempts.delete(k);
  };
  return {
    hit(key, now) {
      prune(now);
      const recent = (attempts.get(key) ?? []).filter((t) => t > now - windowMs);
      if (recent.length >= limit) {
        attempts.set(key, recent);
        return { allowed: false, retryAfterMs: (recent[0] ?? now) + windowMs - now };
      }
      recent.push(now);
      attempts.set(key, recent);
      return { allowed: true };
    },
    reset(key) {
      attempts.delete(key);
    },
  };
}
