import type { InstanceStore } from "../instances/instance-store";
import type { Lifecycle } from "../instances/lifecycle";
import type { Logger } from "../logger";

/**
 * Uploads a snapshot of every running instance whose files changed, every `intervalMs`, so a
 * host crash loses at most that window. Failures are recorded and retried on the next round.
 */
export function createSnapshotScheduler(deps: {
  store: InstanceStore;
  lifecycle: Lifecycle;
  intervalMs: number;
  log: Logger;
}) {
  let timer: NodeJS.Timeout | undefined;
  let round: Promise<void> | undefined;

  async function snapshotOne(id: string): Promise<void> {
    try {
      await deps.lifecycle.snapshot(id);
    } catch (err) {
      deps.log.warn({ err, instanceId: id }, "periodic snapshot failed");
      const message = err instanceof Error ? err.message : String(err);
      await deps.store.recordEvent(id, "snapshot_failed", `Periodic snapshot failed: ${message}. Retrying next round.`);
    }
  }

  const runRound = () => {
    round ??= Promise.all(deps.lifecycle.liveIds().map(snapshotOne))
      .then(() => undefined)
      .finally(() => (round = undefined));
    return round;
  };

  return {
    runRound,
    start(): void {
      timer = setInterval(() => void runRound(), deps.intervalMs);
      timer.unref();
    },
    async stop(): Promise<void> {
      clearInterval(timer);
      await round;
    },
  };
}
