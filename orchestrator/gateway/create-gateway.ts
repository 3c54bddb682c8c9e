import http, { type ServerResponse } from "node:http";
import type { Duplex } from "node:stream";
import type { Logger } from "../logger";
import { createPolicyChain } from "./chain";
import { limitConnections } from "./connection-limits";
import { createForwarder } from "./forward/create-forwarder";
import type { CreateForwarder } from "./forward/types";
import { createRequestHandler, createUpgradeHandler } from "./handlers";
import type { Gateway, GatewayConfig, GatewayRouter } from "./types";

export type { Gateway, GatewayConfig, GatewayLimits, GatewayRouter } from "./types";

/** How long close() lets in-flight ordinary requests finish before cutting their connections. */
const CLOSE_GRACE_MS = 5_000;
/** How often Node checks header timeouts (its default, 30 s, would let a slow-header socket live that much longer). */
const CONNECTIONS_CHECK_MS = 1_000;

/**
 * Creates the HTTP gateway that routes `<subdomain>.<baseDomain>` to the live instance (HTTP, SSE,
 * WebSocket). `forwarder` is replaced only by benchmarks, to measure the old http-proxy path.
 */
export function createGateway(deps: {
  config: GatewayConfig;
  log: Logger;
  router: GatewayRouter;
  forwarder?: CreateForwarder;
  /** Addresses of the other nodes, whose gateways forward many clients' requests over their connections. */
  isPeer?: (ip: string) => boolean;
}): Gateway {
  const { config, router } = deps;
  const log = deps.log.child({ component: "gateway" });
  const streams = new Set<ServerResponse | Duplex>();
  const { policies, forwarder } = createPolicyChain({ config, router, log, createForwarder: deps.forwarder ?? createForwarder, streams });

  // requestTimeout 0: uploads may legitimately take longer than Node's 300 s default, and a client
  // that leaves mid-upload frees its upstream at once; the header phase is bounded by headersTimeout.
  // SSE is unaffected either way (its request is complete once headers arrive) and server.timeout
  // stays 0, so idle streams are never cut.
  const server = http.createServer({
    requestTimeout: 0,
    headersTimeout: config.limits.headersTimeoutMs,
    keepAliveTimeout: config.limits.keepAliveTimeoutMs,
    connectionsCheckingInterval: CONNECTIONS_CHECK_MS,
    noDelay: true,
  });
  server.timeout = 0;
  const refused = limitConnections(server, { ...config.limits, trustedProxyHops: config.trustedProxyHops }, log, deps.isPeer);
  const handlerDeps = { policies, trustedProxyHops: config.trustedProxyHops, log, refused, peerKey: config.peerKey };
  server.on("request", createRequestHandler(handlerDeps));
  server.on("upgrade", createUpgradeHandler(handlerDeps));

  return {
    listen: () => listen(server, config, log),
    close: async () => {
      if (server.listening) await closeServer(server, streams);
      await forwarder.close();
    },
  };
}

function isLoopbackHost(host: string): boolean {
  return host === "localhost" || host === "::1" || host.startsWith("127.");
}

function listen(server: http.Server, config: GatewayConfig, log: Logger): Promise<{ port: number }> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(config.port, config.host, () => {
      server.off("error", reject);
      server.on("error", (err) => log.error({ err }, "gateway server error"));
      if (config.trustedProxyHops > 0 && !isLoopbackHost(config.host)) {
        log.warn(
          { host: config.host, trustedProxyHops: config.trustedProxyHops },
          "the gateway trusts X-Forwarded-For from a proxy but listens beyond loopback: a client connecting directly can forge its address (set GATEWAY_HOST=127.0.0.1 behind a local proxy)",
        );
      }
      const address = server.address();
      resolve({ port: typeof address === "object" && address !== null ? address.port : config.port });
    });
  });
}

async function closeServer(server: http.Server, streams: Set<ServerResponse | Duplex>): Promise<void> {
  const closed = new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve())));
  server.closeIdleConnections();
  // SSE and WebSocket connections never finish on their own; clients reconnect elsewhere.
  for (const stream of streams) stream.destroy();
  const grace = setTimeout(() => server.closeAllConnections(), CLOSE_GRACE_MS);
  try {
    await closed;
  } finally {
    clearTimeout(grace);
  }
}
