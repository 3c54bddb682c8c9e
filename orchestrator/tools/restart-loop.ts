import { defaultSleep, type Sleep } from "./periodic-task";

/** How a restarted process backs off and when supervision gives up. */
export type RestartPolicy = {
  /** Delay before the first restart; doubles per restart up to `maxDelayMs`. */
  initialDelayMs: number;
  maxDelayMs: number;
  /** Give up after this many restarts within `windowMs` (a crash loop, not a one-off crash). */
  maxRestarts: number;
  windowMs: number;
};

export type ExitInfo = { code: number | null; signal: string | null };

/** Delay before restart `n` (1-based) of a crash streak. */
export function restartDelay(n: number, policy: RestartPolicy): number {
  return Math.min(policy.maxDelayMs, policy.initialDelayMs * 2 ** Math.min(Math.max(0, n - 1), 30));
}

/**
 * Keeps a process running: `spawn` starts it and resolves when it exits. Unless `signal` aborted
 * (a deliberate stop), it is started again after a growing delay; after `maxRestarts` exits inside
 * `windowMs` it resolves "gave-up". Resolves "stopped" once aborted.
 */
export async function keepRestarting(opts: {
  spawn: () => Promise<ExitInfo>;
  policy: RestartPolicy;
  signal: AbortSignal;
  /** Told about every unexpected exit, with the delay before the restart or null when giving up. */
  onExit: (exit: ExitInfo, restartInMs: number | null) => void;
  sleep?: Sleep;
  now?: () => number;
}): Promise<"stopped" | "gave-up"> {
  const sleep = opts.sleep ?? defaultSleep;
  const now = opts.now ?? Date.now;
  let recent: number[] = [];
  while (!opts.signal.aborted) {
    const exit = await opts.spawn();
    if (opts.signal.aborted) break;
    recent = [...recent.filter((t) => now() - t < opts.policy.windowMs), now()];
    if (recent.length > opts.policy.maxRestarts) {
      opts.onExit(exit, null);
      return "gave-up";
    }
    const delay = restartDelay(recent.length, opts.policy);
    opts.onExit(exit, delay);
    await sleep(delay, opts.signal);
  }
  return "stopped";
}
