import { describe, expect, it } from "vitest";
import { startRuntimeMonitor } from "../tools/runtime-metrics";
import { runtimeApi } from "./runtime-api";

const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("GET /v1/runtime", () => {
  it("is served as JSON and resets on ?reset=1", async () => {
    let clock = 1_000;
    const monitor = startRuntimeMonitor(5, () => clock);
    try {
      await tick(30);
      clock += 30;
      const app = runtimeApi({ monitor });
      const res = await app.request("/?reset=1");
      expect(res.status).toBe(200);
      const body = (await res.json()) as { eventLoopDelayMs: { p99: number; windowMs: number }; memory: { rssBytes: number } };
      expect(body.memory.rssBytes).toBeGreaterThan(0);
      expect(typeof body.eventLoopDelayMs.p99).toBe("number");
      expect(body.eventLoopDelayMs.windowMs).toBe(30); // the window the answer covers…
      expect(monitor.read().eventLoopDelayMs.windowMs).toBe(0); // …and a new one began with the reset
    } finally {
      monitor.stop();
    }
  });
});
