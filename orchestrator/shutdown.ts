import pTimeout from "p-timeout";
import type { Logger } from "./logger";

const TIMED_OUT = Symbol("timed out");

type Step = { name: string; timeoutMs: number; run: () => Promise<unknown> | unknown };

/**
 * Collects shutdown steps as services start and runs them once, in reverse order, each bounded
 * by its timeout so one stuck step cannot keep the process alive.
 */
export function createShutdown(log: Logger) {
  const steps: Step[] = [];
  let done: Promise<void> | undefined;

  async function runStep(step: Step): Promise<void> {
    const started = performance.now();
    try {
      const run = Promise.resolve().then(step.run);
      const result = await pTimeout<unknown>(run, { milliseconds: step.timeoutMs, fallback: () => TIMED_OUT });
      if (result === TIMED_OUT) log.warn({ step: step.name, timeoutMs: step.timeoutMs }, "shutdown step timed out");
      else log.info({ step: step.name, ms: Math.round(performance.now() - started) }, "shutdown step done");
    } catch (err) {
      log.error({ err, step: step.name }, "shutdown step failed");
    }
  }

  return {
    add(name: string, timeoutMs: number, run: Step["run"]): void {
      steps.push({ name, timeoutMs, run });
    },
    run(reason: string): Promise<void> {
      done ??= (async () => {
        log.info({ reason }, "shutting down");
        for (const step of [...steps].reverse()) await runStep(step);
        log.info("shutdown complete");
      })();
      return done;
    },
  };
}
