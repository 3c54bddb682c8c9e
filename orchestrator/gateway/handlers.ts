import type { IncomingMessage, ServerResponse } from "node:http";
import type { Duplex } from "node:stream";
import { clientIp } from "../../lib/client-ip";
import { takePeerRequest } from "../cluster/peer-auth";
import { AppError, BadRequestError } from "../../lib/errors";
import type { Logger } from "../logger";
import { ExchangeWatch, type Exchange } from "./exchange";
import { runPolicies, type GatewayContext, type Policy } from "./policies/context";
import { answerError, sendHealth } from "./responses";

export type HandlerDeps = {
  policies: readonly Policy[];
  trustedProxyHops: number;
  log: Logger;
  /** Sockets the connection limits already refused (answered and closing). */
  refused: (socket: object) => boolean;
  /** The node-to-node key: a request carrying it comes from a peer gateway, which vouches for its client address. */
  peerKey: string;
};

/** The gateway's own endpoint, answered on any Host (`/_picobase/` is reserved for gateway-owned paths). */
const HEALTH_PATH = "/_picobase/health";
const REALTIME_PATH = "/api/realtime";

/** Handles plain HTTP requests: the health check, then the policy chain. */
export function createRequestHandler(deps: HandlerDeps): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    if (deps.refused(req.socket)) return;
    if (!toOriginForm(req)) return answerError({ kind: "request", res }, new BadRequestError("The request target must be a path."));
    if (req.url === HEALTH_PATH && (req.method === "GET" || req.method === "HEAD")) return sendHealth(res);
    run(deps, req, { kind: "request", res }, ExchangeWatch.forRequest(req, res), isEventStream(req));
  };
}

/** Handles WebSocket upgrades with the same chain as requests, ending in a raw socket pipe. */
export function createUpgradeHandler(deps: HandlerDeps): (req: IncomingMessage, socket: Duplex, head: Buffer) => void {
  // The HTTP server drops its own error listener on upgrade: without one, a reset would crash the process.
  const onSocketError = (err: Error) => deps.log.debug({ err }, "client socket error on upgrade");
  return (req, socket, head) => {
    socket.on("error", onSocketError);
    if (deps.refused(socket)) return;
    if (!toOriginForm(req)) return answerError({ kind: "upgrade", socket, head }, new BadRequestError("The request target must be a path."));
    run(deps, req, { kind: "upgrade", socket, head }, ExchangeWatch.forUpgrade(socket), true);
  };
}

function run(deps: HandlerDeps, req: IncomingMessage, exchange: Exchange, watch: ExchangeWatch, isStream: boolean): void {
  const peer = takePeerRequest(req.headers, deps.peerKey);
  const ctx: GatewayContext = {
    req,
    exchange,
    watch,
    clientIp: peer?.clientIp ?? clientIp(req.socket.remoteAddress, req.headers["x-forwarded-for"], deps.trustedProxyHops),
    isStream,
    peerHops: peer?.hops ?? 0,
  };
  runPolicies(deps.policies, ctx).catch((err: unknown) => {
    if (!(err instanceof AppError)) deps.log.error({ err }, "gateway request failed");
    answerError(exchange, err);
  });
}

/**
 * Rewrites an absolute-form target (`POST http://x/api/…`, which an upstream would take as its path)
 * to the path every policy checks, so no path rule can be dodged by the request line's form.
 * False for anything else that is not a path (e.g. `*`).
 */
function toOriginForm(req: IncomingMessage): boolean {
  const target = req.url ?? "";
  if (target.startsWith("/")) return true;
  if (!/^https?:\/\//i.test(target)) return false;
  let parsed: URL;
  try {
    parsed = new URL(target);
  } catch (err) {
    if (err instanceof TypeError) return false; // not a URL: refused below as a bad target
    throw err;
  }
  req.url = `${parsed.pathname}${parsed.search}`;
  return true;
}

/** PocketBase realtime (`GET /api/realtime`) or any request asking for an event stream. */
function isEventStream(req: IncomingMessage): boolean {
  if (req.method !== "GET") return false;
  if (req.url !== undefined && req.url.startsWith(REALTIME_PATH)) return true;
  const accept = req.headers.accept;
  return accept !== undefined && accept.includes("text/event-stream");
}
