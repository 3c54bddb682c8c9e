import { describe, expect, it, vi } from "vitest";
import { createPeriodicTask, type Sleep } from "./periodic-task";

function deferred() {
  let resolve!: () => void;
  let reject!: (err: unknown) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** A sleep the test ends by hand (or by abort), recording every call. */
function manualSleep() {
  const pending: Array<() => void> = [];
  const sleep: Sleep = (_ms, signal) =>
    new Promise((resolve) => {
      pending.push(resolve);
      signal.addEventListener("abort", () => resolve(), { once: true });
    });
  return { sleep, calls: () => pending.length, wake: () => pending.at(-1)?.() };
}

const settle = () => new Promise((r) => setImmediate(r));

describe("createPeriodicTask", () => {
  it("schedules the next run only after the previous one ended", async () => {
    const clock = manualSleep();
    const runs = [deferred(), deferred()];
    let count = 0;
    const task = createPeriodicTask({ intervalMs: 10, runAtStart: true, sleep: clock.sleep, run: () => runs[count++]!.promise, onError: vi.fn() });
    task.start();
    await settle();
    expect(count).toBe(1);
    expect(clock.calls()).toBe(0); // still running: no timer yet
    runs[0]!.resolve();
    await settle();
    expect(clock.calls()).toBe(1);
    clock.wake();
    await settle();
    expect(count).toBe(2);
    runs[1]!.resolve();
    await task.stop();
  });

  it("sends thrown and rejected errors to onError and keeps going", async () => {
    const clock = manualSleep();
    const onError = vi.fn();
    let count = 0;
    const run = async () => {
      count++;
      if (count === 1) throw new Error("thrown");
      return Promise.reject(new Error("rejected"));
    };
    const task = createPeriodicTask({ intervalMs: 10, runAtStart: true, sleep: clock.sleep, run, onError });
    task.start();
    await settle();
    clock.wake();
    await settle();
    expect(onError.mock.calls.map(([err]) => (err as Error).message)).toEqual(["thrown", "rejected"]);
    await task.stop();
  });

  it("joins the run in flight instead of overlapping it", async () => {
    const gate = deferred();
    const run = vi.fn(() => gate.promise);
    const task = createPeriodicTask({ intervalMs: 10, sleep: manualSleep().sleep, run, onError: vi.fn() });
    const first = task.runNow();
    const second = task.runNow();
    expect(second).toBe(first);
    gate.resolve();
    await first;
    expect(run).toHaveBeenCalledTimes(1);
  });

  it("stop() waits for the run in flight and ends the loop", async () => {
    const gate = deferred();
    const clock = manualSleep();
    const run = vi.fn(() => gate.promise);
    const task = createPeriodicTask({ intervalMs: 10, runAtStart: true, sleep: clock.sleep, run, onError: vi.fn() });
    task.start();
    let stopped = false;
    const stopping = task.stop().then(() => (stopped = true));
    await settle();
    expect(stopped).toBe(false);
    gate.resolve();
    await stopping;
    expect(run).toHaveBeenCalledTimes(1);
  });

  it("stop() during a sleep ends without another run", async () => {
    const clock = manualSleep();
    const run = vi.fn(async () => undefined);
    const task = createPeriodicTask({ intervalMs: 60_000, sleep: clock.sleep, run, onError: vi.fn() });
    task.start();
    await settle();
    expect(clock.calls()).toBe(1);
    await task.stop();
    expect(run).not.toHaveBeenCalled();
  });

  it("the default sleep ends early on abort", async () => {
    const task = createPeriodicTask({ intervalMs: 3_600_000, run: async () => undefined, onError: vi.fn() });
    task.start();
    await task.stop(); // would hang for an hour if the sleep ignored the abort
  });
});
