import { Agent, type Dispatcher } from "undici";
import type { Upstream } from "./types";

/**
 * Per-instance connection limit for ordinary requests. They are short, so 128 concurrent
 * connections per instance is far above what one PocketBase process serves usefully on a small
 * machine, while still bounding a flood (requests beyond it wait for a free connection).
 */
const MAX_CONNECTIONS_PER_INSTANCE = 128;

/** Idle upstream connections close after this long (or sooner, when PocketBase's keep-alive hint says so). */
const KEEP_ALIVE_MS = 4_000;

/** Where the gateway sends an exchange: the dispatcher and the instance's origin. */
export type UpstreamTarget = { dispatcher: Dispatcher; origin: string };

/** The upstream connection pools (undici), one per instance address inside each agent. */
export type Upstreams = {
  /** An ordinary request: the instance's keep-alive pool. */
  pooled(upstream: Upstream): UpstreamTarget;
  /** A long-lived stream (SSE, WebSocket): its own connection, outside the pool's limit. */
  stream(upstream: Upstream): UpstreamTarget;
  /** Closes every upstream connection (in-flight requests end with an error). */
  destroy(): Promise<void>;
};

/**
 * Creates the upstream agents. No headers or body timeouts: a hook may take minutes, an idle SSE or
 * WebSocket connection is never cut, and a client that leaves aborts its upstream request at once.
 */
export function createUpstreams(): Upstreams {
  const timeouts = { headersTimeout: 0, bodyTimeout: 0, keepAliveTimeout: KEEP_ALIVE_MS };
  const pooled = new Agent({ ...timeouts, connections: MAX_CONNECTIONS_PER_INSTANCE });
  // Streams live for minutes or hours: they must not occupy (or wait for) pooled connections.
  const streams = new Agent({ ...timeouts });
  // Built per request (a few tens of nanoseconds): a cache keyed by address would grow with every restart's new port.
  const originOf = ({ host, port }: Upstream): string => `http://${host.includes(":") ? `[${host}]` : host}:${port}`;
  return {
    pooled: (upstream) => ({ dispatcher: pooled, origin: originOf(upstream) }),
    stream: (upstream) => ({ dispatcher: streams, origin: originOf(upstream) }),
    destroy: async () => {
      await Promise.all([pooled.destroy(), streams.destroy()]);
    },
  };
}
