import { randomBytes } from "node:crypto";
import diagnostics from "node:diagnostics_channel";
import type { IncomingMessage } from "node:http";
import type { Socket } from "node:net";

/**
 * How a Next route handler learns the TCP peer of its request.
 *
 * `next start` passes handlers a web Request with headers only: no socket. Next sets
 * `X-Forwarded-For` to the socket address *only when the request has none*
 * (`req.headers['x-forwarded-for'] ??= socket.remoteAddress` in next/dist/server/base-server.js),
 * so a client that sends its own header replaces the peer, and reading the header from the right
 * does not help. Node publishes every incoming request on the `http.server.request.start`
 * diagnostics channel, with its socket, before the server's `request` listener (Next) runs. A
 * subscriber installed from `instrumentation.ts` (which Next awaits before handling requests)
 * writes the socket address into a header of our own, overwriting whatever the client sent there.
 *
 * The value carries a random per-process token: a request that reached the server before the
 * subscriber existed (Next accepts connections while it is still starting) keeps any forged value,
 * and the token is how `stampedPeer` tells the two apart. The token lives on `globalThis` because
 * Next bundles this module separately into instrumentation and into each route.
 */
export const PEER_HEADER = "x-picobase-peer";

const STATE = Symbol.for("picobase.peer-stamp");
type StampState = { token: string };
type StampGlobal = typeof globalThis & { [STATE]?: StampState };
type RequestStart = { request: IncomingMessage; socket: Socket };

/** Starts stamping every HTTP request this process serves with its socket's peer address (idempotent). */
export function installPeerStamp(): void {
  const global = globalThis as StampGlobal;
  if (global[STATE]) return;
  const state: StampState = { token: randomBytes(16).toString("hex") };
  global[STATE] = state;
  diagnostics.subscribe("http.server.request.start", (message) => {
    const { request, socket } = message as RequestStart;
    request.headers[PEER_HEADER] = `${state.token} ${socket.remoteAddress ?? ""}`;
  });
}

/** The peer address stamped on a request, or undefined when it carries no genuine stamp. */
export function stampedPeer(value: string | null | undefined): string | undefined {
  const token = (globalThis as StampGlobal)[STATE]?.token;
  if (!token || !value) return undefined;
  const [given, address] = value.split(" ", 2);
  return given === token && address ? address : undefined;
}
