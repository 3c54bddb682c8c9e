import { STATUS_CODES, type ServerResponse } from "node:http";
import type { Socket } from "node:net";
import type { Duplex } from "node:stream";
import { toErrorResponse } from "../../lib/errors";
import type { Exchange } from "./exchange";

// How the gateway writes errors: lib/errors.ts maps them (status, JSON body, headers); this file
// puts that on a response or, for an upgrade or a refused connection, raw on the socket.

const JSON_TYPE = "application/json; charset=utf-8";
const HEALTH_BODY = Buffer.from(JSON.stringify({ status: "ok" }));

/** Answers the gateway's own health check. */
export function sendHealth(res: ServerResponse): void {
  res.writeHead(200, { "content-type": JSON_TYPE, "content-length": HEALTH_BODY.length, "cache-control": "no-store" });
  res.end(HEALTH_BODY);
}

/** Answers an exchange that a policy ended with an error: JSON on a response, a raw reply on an upgrade socket. */
export function answerError(exchange: Exchange, err: unknown): void {
  if (exchange.kind === "request") sendError(exchange.res, err);
  else writeSocketError(exchange.socket, err);
}

/** Sends an error as the platform's JSON error body; if a response already started, drops the connection. */
export function sendError(res: ServerResponse, err: unknown): void {
  if (res.headersSent || res.destroyed) {
    res.destroy();
    return;
  }
  const { status, body, headers } = toErrorResponse(err);
  const json = JSON.stringify(body);
  // Refused before its body was read: close rather than let Node read (and discard) the rest of it.
  if (res.req !== undefined && !res.req.complete) headers.Connection = "close";
  res.writeHead(status, { "Content-Type": JSON_TYPE, "Content-Length": String(Buffer.byteLength(json)), ...headers });
  res.end(json);
}

/** Writes an error as a raw HTTP/1.1 response on a socket that has not been answered yet, then closes it. */
export function writeSocketError(socket: Duplex, err: unknown): void {
  if (socket.destroyed) return;
  if (!socket.writable || socketBytesWritten(socket) > 0) {
    socket.destroy();
    return;
  }
  socket.end(rawErrorResponse(err));
}

/** Refuses a fresh connection: the error as a raw response, then the socket is destroyed once it is flushed. */
export function refuseConnection(socket: Socket, err: unknown): void {
  socket.end(rawErrorResponse(err));
  // end() alone would wait for the client's FIN (the HTTP server allows half-open sockets).
  socket.destroySoon();
}

function rawErrorResponse(err: unknown): string {
  const { status, body, headers } = toErrorResponse(err);
  const json = JSON.stringify(body);
  const fields = { "Content-Type": JSON_TYPE, "Content-Length": String(Buffer.byteLength(json)), ...headers, Connection: "close" };
  const lines = [`HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ""}`, ...Object.entries(fields).map(([name, value]) => `${name}: ${value}`)];
  return `${lines.join("\r\n")}\r\n\r\n${json}`;
}

/** Bytes already written (or queued) on a socket: after a 101 the socket carries WebSocket frames, not HTTP. */
function socketBytesWritten(socket: Duplex): number {
  return "bytesWritten" in socket && typeof socket.bytesWritten === "number" ? socket.bytesWritten : 0;
}
