import type { IncomingMessage, ServerResponse } from "node:http";
import type { Duplex } from "node:stream";
import type { Logger } from "../../logger";
import { BadGatewayError } from "../errors";
import type { Unreachable } from "../policies/context";
import { sendError, writeSocketError } from "../responses";

/**
 * Answers an exchange whose upstream failed: 502 JSON when nothing was sent yet (or, for another
 * node's gateway, `unreachable`'s error); otherwise (a partial response, or a client already gone)
 * the client connection is cut, so a truncated body is never mistaken for a complete one.
 */
export function upstreamFailed(log: Logger, err: Error, req: IncomingMessage, answer: ServerResponse | Duplex, unreachable?: Unreachable): void {
  const host = req.headers.host;
  unreachable?.reported();
  const error = unreachable?.error ?? new BadGatewayError();
  if (!("writeHead" in answer)) {
    log.warn({ err, host }, "upstream WebSocket failed");
    writeSocketError(answer, error);
    return;
  }
  // The response's socket, not the request's: undici sets a streamed request body's `socket` to null once it is done with it.
  if (answer.headersSent || answer.destroyed || !answer.socket || answer.socket.destroyed) {
    log.debug({ err, host }, "upstream failed after the response started or the client left");
    answer.destroy();
    return;
  }
  log.warn({ err, host }, "upstream request failed");
  sendError(answer, error);
}
