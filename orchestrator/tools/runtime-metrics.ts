import { monitorEventLoopDelay, type IntervalHistogram } from "node:perf_hooks";

/** The orchestrator's own health as a process: event-loop delay since the last reset, and memory. */
export type RuntimeMetrics = {
  /** Event-loop delay in ms over the window since the monitor started or was last reset. */
  eventLoopDelayMs: { p50: number; p99: number; max: number; samples: number; windowMs: number };
  memory: { rssBytes: number; heapUsedBytes: number; heapTotalBytes: number; externalBytes: number; arrayBuffersBytes: number };
};

export type RuntimeMonitor = {
  /** The figures now; `reset` starts a new delay window afterwards (so a caller can measure an interval). */
  read(reset?: boolean): RuntimeMetrics;
  stop(): void;
};

const NS_PER_MS = 1e6;

/**
 * Samples the event loop every `resolutionMs` (perf_hooks' histogram, a timer inside libuv: no
 * JavaScript runs per sample). Idle tenants must not make the orchestrator late for its gateway
 * requests, and this is how that is seen from outside.
 */
export function startRuntimeMonitor(resolutionMs = 10, now: () => number = Date.now): RuntimeMonitor {
  const histogram: IntervalHistogram = monitorEventLoopDelay({ resolution: resolutionMs });
  histogram.enable();
  let since = now();
  return {
    read(reset = false) {
      const samples = histogram.count;
      // The histogram records the whole time between two samples: the delay is what exceeds the resolution.
      const ms = (ns: number) => (samples === 0 ? 0 : Math.max(0, Math.round((ns / NS_PER_MS - resolutionMs) * 100) / 100));
      const mem = process.memoryUsage();
      const metrics: RuntimeMetrics = {
        eventLoopDelayMs: { p50: ms(histogram.percentile(50)), p99: ms(histogram.percentile(99)), max: ms(histogram.max), samples, windowMs: now() - since },
        memory: {
          rssBytes: mem.rss,
          heapUsedBytes: mem.heapUsed,
          heapTotalBytes: mem.heapTotal,
          externalBytes: mem.external,
          arrayBuffersBytes: mem.arrayBuffers,
        },
      };
      if (reset) {
        histogram.reset();
        since = now();
      }
      return metrics;
    },
    stop: () => histogram.disable(),
  };
}
