import type { IdleTracker } from "../instances/idle-tracker";
import type { InstanceStore } from "../instances/instance-store";
import type { Lifecycle } from "../instances/lifecycle";
import type { Logger } from "../logger";
import { createPeriodicTask } from "../tools/periodic-task";

/** How often an instance nobody called since its last check is checked anyway (a hook's cron job may write). */
export const QUIET_CHECK_MS = 5 * 60_000;

/**
 * Uploads a snapshot of every running instance whose files changed, every `intervalMs`, so a
 * host crash loses at most that window. Only instances with requests or open connections since
 * their last check are looked at each round (looking means reading the tenant's folder); quiet
 * ones every QUIET_CHECK_MS, so a round costs what is busy, not what runs. Failures are recorded
 * and retried on the next round; a failure to even record one (control DB down) is logged, never
 * thrown into the event loop.
 */
export function createSnapshotScheduler(deps: {
  store: Pick<InstanceStore, "recordEvent">;
  lifecycle: Pick<Lifecycle, "liveIds" | "snapshot">;
  /** Request activity per instance; without it every instance is checked every round. */
  idle?: Pick<IdleTracker, "idleFor">;
  intervalMs: number;
  log: Pick<Logger, "warn" | "error">;
  now?: () => number;
}) {
  const now = deps.now ?? Date.now;
  const checkedAt = new Map<string, number>();

  /** Whether the instance may have changed since its last check: it was used since, or it is time for a quiet check. */
  function due(id: string, at: number): boolean {
    const last = checkedAt.get(id);
    if (last === undefined || !deps.idle || at - last >= QUIET_CHECK_MS) return true;
    return at - deps.idle.idleFor(id) >= last; // idleFor is 0 while a connection is open: then always due
  }

  async function snapshotOne(id: string): Promise<void> {
    try {
      await deps.lifecycle.snapshot(id);
    } catch (err) {
      checkedAt.delete(id); // retried next round, used or not
      deps.log.warn({ err, instanceId: id }, "periodic snapshot failed");
      const message = err instanceof Error ? err.message : String(err);
      await deps.store.recordEvent(id, "snapshot_failed", `Periodic snapshot failed: ${message}. Retrying next round.`);
    }
  }

  /** Every instance's snapshot runs to its end (allSettled), so stop() really waits for the round. */
  async function round(): Promise<void> {
    const at = now();
    const live = new Set(deps.lifecycle.liveIds());
    for (const id of checkedAt.keys()) if (!live.has(id)) checkedAt.delete(id); // stopped: checked afresh after its next start
    const toCheck = [...live].filter((id) => due(id, at));
    for (const id of toCheck) checkedAt.set(id, at);
    const results = await Promise.allSettled(toCheck.map(snapshotOne));
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
