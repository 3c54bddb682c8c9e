import http from "node:http";
import type { ServerOptions } from "http-proxy";
import type { Upstream } from "./types";

/**
 * Per-instance connection pool limits. Ordinary requests are short, so 128 concurrent sockets per
 * instance is far above what one PocketBase process serves usefully on a small machine, while
 * still bounding a flood; 64 idle sockets stay warm so a burst does not pay TCP setup again.
 * (The agent pools per host:port, so each instance has its own 128.)
 */
const MAX_SOCKETS_PER_INSTANCE = 128;
const MAX_FREE_SOCKETS_PER_INSTANCE = 64;

/** Hop-by-hop override: a client's `Connection: close` must not close our pooled upstream socket. */
const POOLED_HEADERS = Object.freeze({ connection: "keep-alive" });

type Options = { pooled: ServerOptions; stream: ServerOptions };

/** Proxy options per upstream address, built once and reused for every request to it. */
export type Upstreams = {
  /** Options for an ordinary request (pooled keep-alive agent). */
  pooled(upstream: Upstream): ServerOptions;
  /** Options for a long-lived stream (SSE, WebSocket): own socket, no timeouts, outside the pool limits. */
  stream(upstream: Upstream): ServerOptions;
  /** Closes every idle upstream socket (in-flight ones end with their requests). */
  destroy(): void;
};

/** Creates the upstream agents and the option cache, keyed by host then port (no string built per request). */
export function createUpstreams(): Upstreams {
  const pooledAgent = new http.Agent({
    keepAlive: true,
    maxSockets: MAX_SOCKETS_PER_INSTANCE,
    maxFreeSockets: MAX_FREE_SOCKETS_PER_INSTANCE,
    scheduling: "lifo",
  });
  // Streams live for minutes or hours: they must not occupy (or wait for) pooled sockets.
  const streamAgent = new http.Agent({ keepAlive: false });
  const cache = new Map<string, Map<number, Options>>();

  const entry = ({ host, port }: Upstream): Options => {
    let byPort = cache.get(host);
    if (byPort === undefined) cache.set(host, (byPort = new Map()));
    let options = byPort.get(port);
    if (options === undefined) {
      const target = { protocol: "http:", host, hostname: host, port };
      options = {
        // selfHandleResponse: responses are copied by relay.ts (coalesced writes, hop-by-hop filtering).
        pooled: { target, agent: pooledAgent, headers: POOLED_HEADERS, selfHandleResponse: true },
        // No proxyTimeout/timeout: 0 means an idle SSE or WebSocket connection is never cut.
        stream: { target, agent: streamAgent, proxyTimeout: 0, timeout: 0, selfHandleResponse: true },
      };
      byPort.set(port, options);
    }
    return options;
  };

  return {
    pooled: (upstream) => entry(upstream).pooled,
    stream: (upstream) => entry(upstream).stream,
    destroy: () => {
      pooledAgent.destroy();
      streamAgent.destroy();
    },
  };
}
