import { STATUS_CODES, type ServerResponse } from "node:http";
import type { Duplex } from "node:stream";
import { AppError, NotFoundError, RateLimitError, UnavailableError, toErrorResponse } from "../../lib/errors";

/** The instance accepted no connection or dropped it before answering (crashed or just stopped). */
export class BadGatewayError extends AppError {
  constructor(message = "The instance did not answer. Try again in a moment.") {
    super(502, "bad_gateway", message);
  }
}

/** 404 for a Host that is not `<subdomain>.<baseDomain>`. */
export function unknownHostError(baseDomain: string): NotFoundError {
  return new NotFoundError(`Unknown host. Instances are served at <subdomain>.${baseDomain}.`);
}

/** 404 for a well-formed subdomain that names no instance. */
export function unknownInstanceError(subdomain: string): NotFoundError {
  return new NotFoundError(`No instance is served at "${subdomain}".`);
}

const JSON_TYPE = "application/json; charset=utf-8";
const HEALTH_BODY = Buffer.from(JSON.stringify({ status: "ok" }));

/** Answers the gateway's own health check. */
export function sendHealth(res: ServerResponse): void {
  res.writeHead(200, { "content-type": JSON_TYPE, "content-length": HEALTH_BODY.length, "cache-control": "no-store" });
  res.end(HEALTH_BODY);
}

/** Sends an error as the platform's JSON error body; if a response already started, drops the connection. */
export function sendError(res: ServerResponse, err: unknown): void {
  if (res.headersSent || res.destroyed) {
    res.destroy();
    return;
  }
  const { status, body } = toErrorResponse(err);
  const json = JSON.stringify(body);
  const headers: Record<string, string | number> = {
    "content-type": JSON_TYPE,
    "content-length": Buffer.byteLength(json),
    "cache-control": "no-store",
  };
  const retryAfter = retryAfterSeconds(err);
  if (retryAfter !== undefined) headers["retry-after"] = retryAfter;
  res.writeHead(status, headers);
  res.end(json);
}

/** Writes an error as a raw HTTP/1.1 response on an upgrade socket that has not been answered yet, then closes it. */
export function writeSocketError(socket: Duplex, err: unknown): void {
  if (socket.destroyed) return;
  if (!socket.writable || socketBytesWritten(socket) > 0) {
    socket.destroy();
    return;
  }
  const { status, body } = toErrorResponse(err);
  const json = JSON.stringify(body);
  const retryAfter = retryAfterSeconds(err);
  const lines = [
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ""}`,
    `Content-Type: ${JSON_TYPE}`,
    `Content-Length: ${Buffer.byteLength(json)}`,
    "Cache-Control: no-store",
    "Connection: close",
  ];
  if (retryAfter !== undefined) lines.push(`Retry-After: ${retryAfter}`);
  socket.end(`${lines.join("\r\n")}\r\n\r\n${json}`);
}

function retryAfterSeconds(err: unknown): number | undefined {
  return err instanceof UnavailableError || err instanceof RateLimitError ? err.retryAfterSeconds : undefined;
}

/** Bytes already written (or queued) on a socket: after a 101 the socket carries WebSocket frames, not HTTP. */
function socketBytesWritten(socket: Duplex): number {
  return "bytesWritten" in socket && typeof socket.bytesWritten === "number" ? socket.bytesWritten : 0;
}
