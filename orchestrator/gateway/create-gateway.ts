import http, { type ClientRequest, type IncomingMessage, ServerResponse } from "node:http";
import type { Duplex } from "node:stream";
import HttpProxy from "http-proxy";
import type { Logger } from "../logger";
import { createPolicyChain } from "./chain";
import { limitConnections } from "./connection-limits";
import { BadGatewayError } from "./errors";
import type { ExchangeWatch } from "./exchange";
import { createRequestHandler, createUpgradeHandler } from "./handlers";
import { relayResponse } from "./relay";
import { sendError, writeSocketError } from "./responses";
import type { Gateway, GatewayConfig, GatewayRouter } from "./types";
import { createUpstreams } from "./upstream";

export type { Gateway, GatewayConfig, GatewayLimits, GatewayRouter } from "./types";

/** How long close() lets in-flight ordinary requests finish before cutting their connections. */
const CLOSE_GRACE_MS = 5_000;
/** How often Node checks header timeouts (its default, 30 s, would let a slow-header socket live that much longer). */
const CONNECTIONS_CHECK_MS = 1_000;

/** Creates the HTTP gateway that routes `<subdomain>.<baseDomain>` to the live instance (HTTP, SSE, WebSocket). */
export function createGateway(deps: { config: GatewayConfig; log: Logger; router: GatewayRouter }): Gateway {
  const { config, router } = deps;
  const log = deps.log.child({ component: "gateway" });
  // X-Forwarded-* are set by forwarded.ts (xfwd would also add X-Forwarded-Port and append to a client's proto).
  const proxy = HttpProxy.createProxyServer({ xfwd: false, ws: true });
  const upstreams = createUpstreams();
  const streams = new Set<ServerResponse | Duplex>();
  const watches = new WeakMap<IncomingMessage, ExchangeWatch>();
  const chain = createPolicyChain({ config, router, log, proxy, upstreams, streams });
  wireProxy(proxy, { watches, streams, log, upstreamAnswered: chain.upstreamAnswered });

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
  const refused = limitConnections(server, { ...config.limits, trustedProxyHops: config.trustedProxyHops }, log);
  const handlerDeps = { policies: chain.policies, trustedProxyHops: config.trustedProxyHops, log, refused, watches };
  server.on("request", createRequestHandler(handlerDeps));
  server.on("upgrade", createUpgradeHandler(handlerDeps));

  return {
    listen: () => listen(server, config, log),
    close: async () => {
      if (server.listening) await closeServer(server, streams);
      upstreams.destroy();
    },
  };
}

/** Upstream events: errors, responses relayed by relay.ts, and cleanup when a client is gone. */
function wireProxy(
  proxy: HttpProxy,
  deps: {
    watches: WeakMap<IncomingMessage, ExchangeWatch>;
    streams: Set<ServerResponse | Duplex>;
    log: Logger;
    upstreamAnswered: (req: IncomingMessage, status: number | undefined) => void;
  },
): void {
  const { watches, streams } = deps;
  proxy.on("error", (err, req, res) => onProxyError(deps.log, err, req, res));
  // http-proxy aborts its upstream request only on `aborted`, and only once it is listening: a
  // client that left earlier (while a policy awaited), or whose request body was already complete,
  // would keep a pooled upstream socket. Destroy the upstream request whenever the client is gone.
  const abortWhenClientLeaves = (proxyReq: ClientRequest, req: IncomingMessage) => watches.get(req)?.onLeave(() => proxyReq.destroy());
  proxy.on("proxyReq", abortWhenClientLeaves);
  proxy.on("proxyReqWs", (proxyReq, req) => {
    abortWhenClientLeaves(proxyReq, req);
    // After the upgrade the two sockets are piped, and a pipe ends its destination only on a clean
    // end: a client that vanished (reset, timeout, Gateway.close) would leave the upstream socket open.
    proxyReq.once("upgrade", (_res: IncomingMessage, upstreamSocket: Duplex) => watches.get(req)?.onEnd(() => upstreamSocket.destroy()));
  });
  proxy.on("proxyRes", (proxyRes, req, res) => {
    deps.upstreamAnswered(req, proxyRes.statusCode);
    relayResponse(proxyRes, res, streams.has(res));
  });
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

/** Upstream failures: 502 JSON when nothing was sent yet, otherwise cut the client connection. */
function onProxyError(log: Logger, err: Error, req: IncomingMessage, res: ServerResponse | Duplex): void {
  const host = req.headers.host;
  if (!(res instanceof ServerResponse)) {
    log.warn({ err, host }, "upstream WebSocket failed");
    writeSocketError(res, new BadGatewayError());
    return;
  }
  if (res.headersSent || res.destroyed || req.socket.destroyed) {
    // The client is gone or already has a partial response: nothing useful can be sent.
    log.debug({ err, host }, "upstream failed after the response started or the client left");
    res.destroy();
    return;
  }
  log.warn({ err, host }, "upstream request failed");
  sendError(res, new BadGatewayError());
}
