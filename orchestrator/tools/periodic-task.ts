/** Waits `ms`, or less when `signal` aborts; never rejects. */
export type Sleep = (ms: number, signal: AbortSignal) => Promise<void>;

/** A background loop that never overlaps itself and never throws into the void. */
export type PeriodicTask = {
  /** Starts the loop (once; later calls do nothing). */
  start(): void;
  /** Runs now, or joins the run in flight; never rejects (errors go to `onError`). */
  runNow(): Promise<void>;
  /** Ends the loop and waits for the run in flight. */
  stop(): Promise<void>;
};

/** An unref'd timer: a pending sleep must not keep the process alive at shutdown. */
export const defaultSleep: Sleep = (ms, signal) =>
  new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    timer.unref();
    signal.addEventListener("abort", done, { once: true });
  });

/**
 * Runs `run` every `intervalMs`, counted from the end of the previous run, so a slow run delays the
 * next one instead of piling up. Errors (and rejections) go to `onError`; nothing escapes.
 */
export function createPeriodicTask(opts: {
  intervalMs: number;
  run: () => Promise<void>;
  onError: (err: unknown) => void;
  /** Also run once right at start(). */
  runAtStart?: boolean;
  sleep?: Sleep;
}): PeriodicTask {
  const sleep = opts.sleep ?? defaultSleep;
  const abort = new AbortController();
  let inFlight: Promise<void> | undefined;
  let loop: Promise<void> | undefined;

  const report = (err: unknown) => {
    try {
      opts.onError(err);
    } catch (reportErr) {
      // The error reporter itself failed: surface it on stderr rather than lose both.
      process.emitWarning(`periodic task onError threw: ${String(reportErr)} (while reporting: ${String(err)})`);
    }
  };

  const runNow = (): Promise<void> => {
    inFlight ??= Promise.resolve()
      .then(opts.run)
      .catch(report)
      .finally(() => (inFlight = undefined));
    return inFlight;
  };

  const runLoop = async () => {
    if (opts.runAtStart) await runNow();
    while (!abort.signal.aborted) {
      await sleep(opts.intervalMs, abort.signal);
      if (abort.signal.aborted) break;
      await runNow();
    }
  };

  return {
    start() {
      if (loop || abort.signal.aborted) return;
      // runLoop cannot reject: runNow reports every error and sleep never rejects.
      loop = runLoop();
    },
    runNow,
    async stop() {
      abort.abort();
      await loop;
      await inFlight;
    },
  };
}
