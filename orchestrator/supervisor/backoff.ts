import type { BackoffPolicy } from "./types";

export const defaultBackoff: BackoffPolicy = { initialMs: 250, maxMs: 10_000 };

/** Delay before restart number `attempt` (1-based): initialMs, doubling, capped at maxMs. */
export function backoffDelay(attempt: number, policy: BackoffPolicy = defaultBackoff): number {
  const exponent = Math.max(0, Math.floor(attempt) - 1);
  // Cap the exponent so 2 ** exponent never overflows into Infinity for absurd attempt counts.
  return Math.min(policy.maxMs, policy.initialMs * 2 ** Math.min(exponent, 30));
}
