import { STATUS_CODES } from "node:http";
import type { Duplex } from "node:stream";
import type { Dispatcher } from "undici";
import type { GatewayContext } from "../policies/context";
import { forwardableHeaders, forwardableRequestHeaders } from "../relay";
import type { UpstreamTarget } from "../upstream";
import type { ForwarderDeps } from "./types";
import { upstreamFailed } from "./upstream-failed";

type Upgrade = { socket: Duplex; head: Buffer };

/**
 * Forwards a WebSocket upgrade: on the instance's 101 the client gets the same answer and the two
 * sockets are joined; an instance that refuses the upgrade has its answer relayed and the client
 * socket closed. Either side closing (or the gateway closing the client's) destroys the other.
 */
export function forwardUpgrade(ctx: GatewayContext, { socket, head }: Upgrade, target: UpstreamTarget, deps: ForwarderDeps): void {
  const { req, watch } = ctx;
  const handler: Dispatcher.DispatchHandler = {
    onRequestStart(controller) {
      watch.onEnd(() => controller.abort(new Error("the client left")));
    },
    onRequestUpgrade(controller, status, _headers, upstream) {
      watch.onEnd(() => upstream.destroy());
      upstream.on("error", () => socket.destroy());
      upstream.on("close", () => socket.destroy());
      socket.on("close", () => upstream.destroy());
      socket.write(responseHead(status, "Switching Protocols", rawPairs(controller.rawHeaders)));
      if (head.length > 0) upstream.write(head); // bytes the client sent right behind its request
      upstream.pipe(socket);
      socket.pipe(upstream);
    },
    onResponseStart(controller, status, _headers, statusMessage) {
      if (status < 200) return;
      socket.write(responseHead(status, statusMessage, [...forwardableHeaders(rawPairs(controller.rawHeaders)), "Connection", "close"]));
    },
    onResponseData(_controller, chunk) {
      socket.write(chunk);
    },
    onResponseEnd() {
      socket.end();
    },
    onResponseError(_controller, err) {
      if (watch.ended) socket.destroy();
      else upstreamFailed(deps.log, err, req, socket);
    },
  };
  target.dispatcher.dispatch(
    {
      origin: target.origin,
      path: req.url ?? "/",
      method: req.method as Dispatcher.HttpMethod,
      headers: forwardableRequestHeaders(req.headers),
      upgrade: req.headers.upgrade ?? "websocket",
    },
    handler,
  );
}

function rawPairs(raw: Dispatcher.DispatchController["rawHeaders"]): Array<string | Buffer> {
  return Array.isArray(raw) ? raw : [];
}

/** An HTTP/1.1 status line and header block, written raw on the client socket. */
function responseHead(status: number, statusMessage: string | undefined, headers: ReadonlyArray<string | Buffer>): string {
  let head = `HTTP/1.1 ${status} ${statusMessage || STATUS_CODES[status] || ""}\r\n`;
  for (let i = 0; i + 1 < headers.length; i += 2) head += `${headers[i]!.toString("latin1")}: ${headers[i + 1]!.toString("latin1")}\r\n`;
  return `${head}\r\n`;
}
