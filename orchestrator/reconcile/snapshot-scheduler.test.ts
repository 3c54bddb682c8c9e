import { describe, expect, it, vi } from "vitest";
import { createIdleTracker } from "../instances/idle-tracker";
import { createSnapshotScheduler, QUIET_CHECK_MS } from "./snapshot-scheduler";

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

  it("checks only instances used since their last check, quiet ones every few minutes, and a failed one again next round", async () => {
    let t = 1_000_000;
    const idle = createIdleTracker(() => t);
    const checked: string[] = [];
    let failB = false;
    const scheduler = createSnapshotScheduler({
      lifecycle: {
        liveIds: () => ["a", "b", "c"],
        snapshot: async (id) => {
          checked.push(id);
          if (id === "b" && failB) throw new Error("storage down");
          return null;
        },
      },
      store: { recordEvent: async () => undefined },
      idle,
      intervalMs: 5_000,
      log: { warn: vi.fn(), error: vi.fn() },
      now: () => t,
    });
    const round = async () => {
      checked.length = 0;
      await scheduler.runRound();
      return [...checked].sort();
    };
    for (const id of ["a", "b", "c"]) idle.reset(id);
    t += 1; // activity in the very millisecond of a check counts as after it (its writes may land after the read)
    expect(await round()).toEqual(["a", "b", "c"]); // first round: everything
    t += 5_000;
    expect(await round()).toEqual([]); // nobody called: nothing read
    idle.activity("a", "request");
    idle.activity("c", "open"); // an open realtime connection: checked every round while it lasts
    t += 5_000;
    expect(await round()).toEqual(["a", "c"]);
    t += 5_000;
    expect(await round()).toEqual(["c"]);
    idle.activity("b", "request");
    failB = true;
    t += 5_000;
    expect(await round()).toEqual(["b", "c"]);
    failB = false;
    t += 5_000;
    expect(await round()).toEqual(["b", "c"]); // b failed: again, though unused since
    t += QUIET_CHECK_MS;
    expect(await round()).toEqual(["a", "b", "c"]); // the quiet check
  });
});
