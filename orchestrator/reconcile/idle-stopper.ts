import type { InstanceController } from "../instances/controller";
import type { InstanceStore } from "../instances/instance-store";
import type { IdleTracker } from "../instances/idle-tracker";
import type { Lifecycle } from "../instances/lifecycle";
import type { Logger } from "../logger";
import { createPeriodicTask } from "../tools/periodic-task";

/** An instance's own idle timeout is whole minutes (lib/validations/instance.ts). */
const MIN_INSTANCE_TIMEOUT_MS = 60_000;

/** Idle timeout of one instance: its own setting in minutes (0 = never), else the platform default. */
function idleTimeoutMs(instanceMinutes: number | null, defaultMs: number): number {
  return instanceMinutes === null ? defaultMs : instanceMinutes * 60_000;
}

/**
 * Stops running instances nobody has used for their idle timeout, through the controller (desired
 * state becomes `stopped`, so the gateway's next request wakes them again).
 */
export function createIdleStopper(deps: {
  store: InstanceStore;
  lifecycle: Pick<Lifecycle, "liveIds" | "busy">;
  controller: Pick<InstanceController, "stop">;
  idle: IdleTracker;
  defaultTimeoutMs: number;
  checkEveryMs: number;
  log: Logger;
}) {
  /** The shortest timeout any instance can have: only instances idle at least this long are looked up. */
  const shortestMs = Math.min(MIN_INSTANCE_TIMEOUT_MS, deps.defaultTimeoutMs > 0 ? deps.defaultTimeoutMs : Infinity);

  async function sweep(): Promise<void> {
    const candidates = deps.lifecycle.liveIds().filter((id) => !deps.lifecycle.busy(id) && deps.idle.idleFor(id) >= shortestMs);
    if (candidates.length === 0) return;
    const timeouts = await deps.store.idleTimeouts(candidates); // one query per 500, not one per instance
    for (const [id, minutes] of timeouts) {
      if (deps.lifecycle.busy(id)) continue;
      const timeout = idleTimeoutMs(minutes, deps.defaultTimeoutMs);
      const idleFor = deps.idle.idleFor(id);
      if (timeout <= 0 || idleFor < timeout) continue;
      deps.log.info({ instanceId: id, idleFor }, "stopping idle instance");
      await deps.store.recordEvent(id, "idle", `No requests for ${Math.round(idleFor / 60_000)} min; stopping.`);
      await deps.controller.stop(id, true);
    }
  }

  const task = createPeriodicTask({
    intervalMs: deps.checkEveryMs,
    run: sweep,
    onError: (err) => deps.log.error({ err }, "idle sweep failed"),
  });

  return { sweep: task.runNow, start: task.start, stop: task.stop };
}
