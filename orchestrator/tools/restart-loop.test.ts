import { describe, expect, it, vi } from "vitest";
import { keepRestarting, restartDelay, type ExitInfo } from "./restart-loop";

const policy = { initialDelayMs: 1_000, maxDelayMs: 8_000, maxRestarts: 3, windowMs: 60_000 };
const crashed: ExitInfo = { code: 1, signal: null };

describe("restartDelay", () => {
  it("doubles up to the cap", () => {
    expect([1, 2, 3, 4, 5, 100].map((n) => restartDelay(n, policy))).toEqual([1_000, 2_000, 4_000, 8_000, 8_000, 8_000]);
  });
});

describe("keepRestarting", () => {
  it("restarts a crashed process with growing delays and gives up on a crash loop", async () => {
    const spawn = vi.fn(async () => crashed);
    const onExit = vi.fn();
    const slept: number[] = [];
    const result = await keepRestarting({
      spawn,
      policy,
      signal: new AbortController().signal,
      onExit,
      sleep: async (ms) => void slept.push(ms),
      now: () => 0,
    });
    expect(result).toBe("gave-up");
    expect(spawn).toHaveBeenCalledTimes(4);
    expect(slept).toEqual([1_000, 2_000, 4_000]);
    expect(onExit).toHaveBeenLastCalledWith(crashed, null);
  });

  it("forgets crashes older than the window: a process that crashes rarely is always restarted", async () => {
    let clock = 0;
    let spawns = 0;
    const stop = new AbortController();
    const result = await keepRestarting({
      spawn: async () => {
        if (++spawns === 10) stop.abort();
        clock += 61_000; // each run lasts longer than the window
        return crashed;
      },
      policy,
      signal: stop.signal,
      onExit: vi.fn(),
      sleep: async () => undefined,
      now: () => clock,
    });
    expect(result).toBe("stopped");
    expect(spawns).toBe(10);
  });

  it("does not restart after a deliberate stop", async () => {
    const stop = new AbortController();
    const spawn = vi.fn(async () => {
      stop.abort();
      return { code: 0, signal: "SIGTERM" };
    });
    const onExit = vi.fn();
    expect(await keepRestarting({ spawn, policy, signal: stop.signal, onExit, sleep: async () => undefined })).toBe("stopped");
    expect(spawn).toHaveBeenCalledTimes(1);
    expect(onExit).not.toHaveBeenCalled();
  });
});
