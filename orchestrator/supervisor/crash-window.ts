import type { CrashLoopPolicy } from "./types";

export const defaultCrashLoop: CrashLoopPolicy = { maxCrashes: 5, windowMs: 60_000 };

/** Crash times still inside the window ending at `now`, plus the new crash at `now`. */
export function recordCrash(history: readonly number[], now: number, policy: CrashLoopPolicy): number[] {
  return [...history.filter((t) => now - t < policy.windowMs), now];
}

/** True when the recent crashes reach the policy's limit: supervision should give up. */
export function isCrashLoop(recent: readonly number[], policy: CrashLoopPolicy): boolean {
  return recent.length >= policy.maxCrashes;
}
