import type { IncomingMessage, ServerResponse } from "node:http";
import type { Duplex } from "node:stream";
import type HttpProxy from "http-proxy";
import { AppError } from "../../lib/errors";
import { setForwardedHeaders } from "./forwarded";
import { exchangeApiKey, serveAdminSignIn } from "./platform-auth";
import type { HostParser } from "./host";
import { sendError, sendHealth, unknownHostError, writeSocketError } from "./responses";
import { routeToInstance, type RouteContext } from "./route";
import type { Upstreams } from "./upstream";

export type HandlerContext = RouteContext & {
  proxy: HttpProxy;
  upstreams: Upstreams;
  parseHost: HostParser;
  baseDomain: string;
  /** Open SSE responses and WebSocket sockets: ended by Gateway.close(), which would otherwise wait forever. */
  streams: Set<ServerResponse | Duplex>;
};

/** The gateway's own endpoint, answered on any Host (`/_picobase/` is reserved for gateway-owned paths). */
const HEALTH_PATH = "/_picobase/health";
const REALTIME_PATH = "/api/realtime";

/** Handles plain HTTP requests: health, Host routing, wake, then proxying (streams get their own upstream socket). */
export function createRequestHandler(ctx: HandlerContext): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    if (req.url === HEALTH_PATH && (req.method === "GET" || req.method === "HEAD")) return sendHealth(res);
    const subdomain = ctx.parseHost(req.headers.host);
    if (subdomain === null) return sendError(res, unknownHostError(ctx.baseDomain));
    // The body is not read until http-proxy pipes it, so waiting for a wake loses nothing.
    void forwardRequest(ctx, req, res, subdomain);
  };
}

/** Handles WebSocket upgrades: same routing and wake as requests, then a raw socket pipe via `proxy.ws`. */
export function createUpgradeHandler(ctx: HandlerContext): (req: IncomingMessage, socket: Duplex, head: Buffer) => void {
  // The HTTP server drops its own error listener on upgrade: without one, a reset would crash the process.
  const onSocketError = (err: Error) => ctx.log.debug({ err }, "client socket error on upgrade");
  return (req, socket, head) => {
    socket.on("error", onSocketError);
    const subdomain = ctx.parseHost(req.headers.host);
    if (subdomain === null) return writeSocketError(socket, unknownHostError(ctx.baseDomain));
    void forwardUpgrade(ctx, req, socket, head, subdomain);
  };
}

async function forwardRequest(ctx: HandlerContext, req: IncomingMessage, res: ServerResponse, subdomain: string) {
  try {
    const { instanceId, port } = await routeToInstance(ctx, subdomain);
    if (req.socket.destroyed) return; // the client left while its instance was waking
    if (await serveAdminSignIn(ctx.router, req, res, { instanceId, port })) return;
    await exchangeApiKey(ctx.router, req, instanceId, port);
    setForwardedHeaders(req.headers, req.socket.remoteAddress);
    if (!isEventStream(req)) {
      ctx.proxy.web(req, res, ctx.upstreams.pooled(port));
      return;
    }
    trackStream(ctx, instanceId, res);
    ctx.proxy.web(req, res, ctx.upstreams.stream(port));
  } catch (err) {
    logUnexpected(ctx, err);
    sendError(res, err);
  }
}

async function forwardUpgrade(ctx: HandlerContext, req: IncomingMessage, socket: Duplex, head: Buffer, subdomain: string) {
  try {
    const { instanceId, port } = await routeToInstance(ctx, subdomain);
    if (socket.destroyed) return;
    await exchangeApiKey(ctx.router, req, instanceId, port);
    setForwardedHeaders(req.headers, req.socket.remoteAddress);
    trackStream(ctx, instanceId, socket);
    ctx.proxy.ws(req, socket, head, ctx.upstreams.stream(port));
  } catch (err) {
    logUnexpected(ctx, err);
    writeSocketError(socket, err);
  }
}

/** Counts a long-lived connection as open until its client side closes. */
function trackStream(ctx: HandlerContext, instanceId: string, stream: ServerResponse | Duplex): void {
  ctx.router.activity(instanceId, "open");
  ctx.streams.add(stream);
  stream.once("close", () => {
    ctx.streams.delete(stream);
    ctx.router.activity(instanceId, "close");
  });
}

/** PocketBase realtime (`GET /api/realtime`) or any request asking for an event stream. */
function isEventStream(req: IncomingMessage): boolean {
  if (req.method !== "GET") return false;
  if (req.url !== undefined && req.url.startsWith(REALTIME_PATH)) return true;
  const accept = req.headers.accept;
  return accept !== undefined && accept.includes("text/event-stream");
}

function logUnexpected(ctx: HandlerContext, err: unknown): void {
  if (!(err instanceof AppError)) ctx.log.error({ err }, "gateway request failed");
}
