import { RateLimiterMemory } from "rate-limiter-flexible";
import { createKeyedQueue } from "../keyed-queue";

/** Failed sign-ins allowed per email and client address before each further try must wait. */
export const freeFailures = 5;
/** The first wait; each further failure doubles it, up to `maxWaitSeconds`. */
const firstWaitSeconds = 60;
const maxWaitSeconds = 15 * 60;
/** Failed sign-ins (and account-token checks) per client address, whatever the email, in `addressWindowSeconds` (spraying). */
export const addressFailureLimit = 50;
const addressWindowSeconds = 15 * 60;
/** How long a run of failures is remembered for the backoff when no sign-in succeeds. */
const failureMemorySeconds = 24 * 60 * 60;

/**
 * Sign-in throttling. Limits are keyed by email *and* client address, so failures sent from other
 * addresses never slow the owner down (a limit per email alone let anyone lock an account), and
 * they back off (1, 2, 4, 8, 15 minutes) instead of locking for a fixed window. Failures per
 * address across all emails are capped too. Kept in memory per web process.
 */
export type LoginLimits = {
  /** Milliseconds this email + address must still wait before trying; 0 when it may try now. */
  waitMs: (email: string, ip: string) => Promise<number>;
  failed: (email: string, ip: string) => Promise<void>;
  /** A correct password ends the backoff of that email + address. */
  succeeded: (email: string, ip: string) => Promise<void>;
  /** Milliseconds `ip` must wait before any check (its failures across emails and account tokens). */
  addressWaitMs: (ip: string) => Promise<number>;
  /** A failed check that names no account (an unknown or revoked account token): counts against the address only. */
  addressFailed: (ip: string) => Promise<void>;
  /**
   * Runs one sign-in of `ip` at a time: the check, the password and the recorded outcome happen
   * in order, so parallel guesses cannot all pass the same check before any failure is counted.
   */
  oneAtATime: <T>(ip: string, attempt: () => Promise<T>) => Promise<T>;
};

/** The wait after the `n`-th failure past the free ones (n = 0 for the first). */
export function backoffSeconds(n: number): number {
  return Math.min(maxWaitSeconds, firstWaitSeconds * 2 ** n);
}

/** Creates the limits (rate-limiter-flexible in memory; time is the process clock). */
export function createLoginLimits(): LoginLimits {
  const failures = new RateLimiterMemory({ keyPrefix: "signin-failures", points: freeFailures, duration: failureMemorySeconds });
  // Used only through block()/get(): a blocked key is one that must wait.
  const waits = new RateLimiterMemory({ keyPrefix: "signin-wait", points: 1, duration: maxWaitSeconds });
  const perAddress = new RateLimiterMemory({ keyPrefix: "signin-address", points: addressFailureLimit, duration: addressWindowSeconds });
  const pairKey = (email: string, ip: string) => `${email}|${ip}`;
  const queue = createKeyedQueue();

  const addressWaitMs = async (ip: string) => {
    const address = await perAddress.get(ip);
    return address && address.consumedPoints >= addressFailureLimit ? Math.max(0, address.msBeforeNext) : 0;
  };

  return {
    async waitMs(email, ip) {
      const [wait, addressMs] = await Promise.all([waits.get(pairKey(email, ip)), addressWaitMs(ip)]);
      const pairMs = wait && wait.consumedPoints > 1 ? wait.msBeforeNext : 0;
      return Math.max(0, pairMs, addressMs);
    },
    async failed(email, ip) {
      const key = pairKey(email, ip);
      const { consumedPoints } = await failures.penalty(key, 1);
      if (consumedPoints >= freeFailures) await waits.block(key, backoffSeconds(consumedPoints - freeFailures));
      await perAddress.penalty(ip, 1);
    },
    async succeeded(email, ip) {
      const key = pairKey(email, ip);
      await Promise.all([failures.delete(key), waits.delete(key)]);
    },
    addressWaitMs,
    async addressFailed(ip) {
      await perAddress.penalty(ip, 1);
    },
    oneAtATime: (ip, attempt) => queue.run(ip, attempt),
  };
}

let shared: LoginLimits | undefined;

/** The web process's one set of limits: sign-ins and account-token checks share the per-address budget. */
export function loginLimits(): LoginLimits {
  shared ??= createLoginLimits();
  return shared;
}
