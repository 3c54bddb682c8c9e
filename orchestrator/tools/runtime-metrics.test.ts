import { describe, expect, it } from "vitest";
import { startRuntimeMonitor } from "./runtime-metrics";

const busyFor = (ms: number) => {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    /* blocks the event loop on purpose */
  }
};
const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("runtime metrics", () => {
  it("sees a blocked event loop, and a reset starts a fresh window", async () => {
    const monitor = startRuntimeMonitor(5);
    try {
      await tick(50);
      busyFor(120);
      await tick(30);
      const blocked = monitor.read(true);
      expect(blocked.eventLoopDelayMs.max).toBeGreaterThanOrEqual(80);
      expect(blocked.memory.rssBytes).toBeGreaterThan(blocked.memory.heapUsedBytes);
      await tick(100);
      const after = monitor.read();
      expect(after.eventLoopDelayMs.samples).toBeGreaterThan(0);
      expect(after.eventLoopDelayMs.max).toBeLessThan(80);
    } finally {
      monitor.stop();
    }
  });
});
