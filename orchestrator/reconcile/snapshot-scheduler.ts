import type { InstanceStore } from "../instances/instance-store";
import type { Lifecycle } from "../instances/lifecycle";
import type { Logger } from "../logger";
import { createPeriodicTask } from "../tools/periodic-task";

/**
 * Uploads a snapshot of every running instance whose files changed, every `intervalMs`, so a
 * host crash loses at most that window. Failures are recorded and retried on the next round; a
 * failure to even record one (control DB down) is logged, never thrown into the event loop.
 */
export function createSnapshotScheduler(deps: {
  store: Pick<InstanceStore, "recordEvent">;
  lifecycle: Pick<Lifecycle, "liveIds" | "snapshot">;
  intervalMs: number;
  log: Pick<Logger, "warn" | "error">;
}) {
  async function snapshotOne(id: string): Promise<void> {
    try {
      await deps.lifecycle.snapshot(id);
    } catch (err) {
      deps.log.warn({ err, instanceId: id }, "periodic snapshot failed");
      const message = err instanceof Error ? err.message : String(err);
      await deps.store.recordEvent(id, "snapshot_failed", `Periodic snapshot failed: ${message}. Retrying next round.`);
    }
  }

  /** Every instance's snapshot runs to its end (allSettled), so stop() really waits for the round. */
  async function round(): Promise<void> {
    const results = await Promise.allSettled(deps.lifecycle.liveIds().map(snapshotOne));
    const failures = results.flatMap((r) => (r.status === "rejected" ? [r.reason] : []));
    if (failures.length > 0) throw new AggregateError(failures, `${failures.length} snapshot failure(s) could not be recorded`);
  }

  const task = createPeriodicTask({
    intervalMs: deps.intervalMs,
    run: round,
    onError: (err) => deps.log.error({ err }, "periodic snapshot round failed"),
  });

  return { runRound: task.runNow, start: task.start, stop: task.stop };
}
