import { describe, expect, it, vi } from "vitest";
import { createSnapshotScheduler } from "./snapshot-scheduler";

// The outage of issue 6: a snapshot failed, recording the failure failed too (control DB down), and
// the rejection escaped the timer loop and killed the orchestrator.
describe("createSnapshotScheduler", () => {
  const failing = () => {
    const log = { warn: vi.fn(), error: vi.fn() };
    const scheduler = createSnapshotScheduler({
      lifecycle: { liveIds: () => ["a", "b"], snapshot: async () => Promise.reject(new Error("storage down")) },
      store: { recordEvent: async () => Promise.reject(new Error("control DB down")) },
      intervalMs: 1,
      log,
    });
    return { log, scheduler };
  };

  it("logs a round whose failures cannot be recorded instead of rejecting", async () => {
    const { log, scheduler } = failing();
    await expect(scheduler.runRound()).resolves.toBeUndefined();
    expect(log.warn).toHaveBeenCalledTimes(2);
    expect(log.error).toHaveBeenCalledWith(expect.objectContaining({ err: expect.any(AggregateError) }), "periodic snapshot round failed");
  });

  it("keeps running rounds in the background without an unhandled rejection", async () => {
    const { log, scheduler } = failing();
    scheduler.start();
    await vi.waitFor(() => expect(log.error.mock.calls.length).toBeGreaterThanOrEqual(3));
    await scheduler.stop();
  });
});
