import http, { type ClientRequest, type IncomingMessage, ServerResponse } from "node:http";
import type { Duplex } from "node:stream";
import HttpProxy from "http-proxy";
import type { Logger } from "../logger";
import { createRequestHandler, createUpgradeHandler, type HandlerContext } from "./handlers";
import { createHostParser } from "./host";
import { noteUpstreamStatus } from "./platform-auth";
import { relayResponse } from "./relay";
import { BadGatewayError, sendError, writeSocketError } from "./responses";
import type { Gateway, GatewayConfig, GatewayRouter } from "./types";
import { createUpstreams } from "./upstream";

export type { Gateway, GatewayConfig, GatewayRouter } from "./types";

/** How long close() lets in-flight ordinary requests finish before cutting their connections. */
const CLOSE_GRACE_MS = 5_000;
/** Longer than the 60 s idle timeout of common load balancers, so a fronting proxy never reuses a socket we just closed. */
const KEEP_ALIVE_TIMEOUT_MS = 65_000;

/** Creates the HTTP gateway that routes `<subdomain>.<baseDomain>` to the live instance (HTTP, SSE, WebSocket). */
export function createGateway(deps: { config: GatewayConfig; log: Logger; router: GatewayRouter }): Gateway {
  const { config, router } = deps;
  const log = deps.log.child({ component: "gateway" });
  // X-Forwarded-* are set by forwarded.ts (xfwd would also add X-Forwarded-Port and append to a client's proto).
  const proxy = HttpProxy.createProxyServer({ xfwd: false, ws: true });
  const upstreams = createUpstreams();
  const streams = new Set<ServerResponse | Duplex>();
  const ctx: HandlerContext = {
    router,
    log,
    wakeTimeoutMs: config.wakeTimeoutMs,
    proxy,
    upstreams,
    parseHost: createHostParser(config.baseDomain),
    baseDomain: config.baseDomain,
    streams,
  };

  proxy.on("error", (err, req, res) => onProxyError(log, err, req, res));
  proxy.on("proxyReq", abortWhenClientLeaves);
  proxy.on("proxyRes", (proxyRes, req, res) => {
    noteUpstreamStatus(router, req, proxyRes.statusCode);
    relayResponse(proxyRes, res, streams.has(res));
  });

  // requestTimeout 0: uploads may legitimately take longer than Node's 300 s default; the header
  // phase stays bounded by headersTimeout. SSE is unaffected either way (its request is complete
  // once headers arrive) and server.timeout stays 0, so idle streams are never cut.
  const server = http.createServer(
    { requestTimeout: 0, keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS, noDelay: true },
    createRequestHandler(ctx),
  );
  server.timeout = 0;
  server.on("upgrade", createUpgradeHandler(ctx));

  return {
    listen: () => listen(server, config, log),
    close: async () => {
      if (server.listening) await closeServer(server, streams);
      upstreams.destroy();
    },
  };
}

function listen(server: http.Server, config: GatewayConfig, log: Logger): Promise<{ port: number }> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(config.port, config.host, () => {
      server.off("error", reject);
      server.on("error", (err) => log.error({ err }, "gateway server error"));
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

/**
 * http-proxy aborts the upstream request only on `aborted`, which Node does not emit once the
 * request body is complete (every GET): an abandoned SSE stream or download would keep its
 * upstream socket forever. Destroy it when the client side closes before the response finished.
 */
function abortWhenClientLeaves(proxyReq: ClientRequest, _req: IncomingMessage, res: ServerResponse): void {
  res.once("close", () => {
    if (!res.writableFinished && !proxyReq.destroyed) proxyReq.destroy();
  });
}
