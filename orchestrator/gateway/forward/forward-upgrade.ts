import { STATUS_CODES } from "node:http";
import type { Socket } from "node:net";
import type { Duplex } from "node:stream";
import type { Dispatcher } from "undici";
import type { GatewayContext } from "../policies/context";
import type { UpstreamTarget } from "../upstream";
import { forwardableHeaders, forwardableRequestHeaders, rawHeaderList } from "./headers";
import type { ForwarderDeps } from "./types";
import { upstreamFailed } from "./upstream-failed";

type Upgrade = { socket: Duplex; head: Buffer };

/**
 * Forwards a WebSocket upgrade: on the instance's 101 the client gets the same answer and the two
 * sockets are joined; an instance that refuses the upgrade has its answer relayed (with
 * backpressure) and the client connection closed. Either side closing (or the gateway closing the
 * client's) destroys the other. As in forward-request.ts, no exception may leave a callback.
 */
export function forwardUpgrade(ctx: GatewayContext, { socket, head }: Upgrade, target: UpstreamTarget, deps: ForwarderDeps): void {
  const { req, watch } = ctx;
  const fail = (controller: Dispatcher.DispatchController, err: unknown) => {
    deps.log.warn({ err, host: req.headers.host }, "relaying the upstream WebSocket answer failed");
    controller.abort(err instanceof Error ? err : new Error(String(err)));
  };
  const handler: Dispatcher.DispatchHandler = {
    onRequestStart(controller) {
      watch.onEnd(() => controller.abort(new Error("the client left")));
    },
    onRequestUpgrade(controller, _status, _headers, upstream) {
      watch.onEnd(() => upstream.destroy());
      upstream.on("error", () => socket.destroy());
      upstream.on("close", () => socket.destroy());
      socket.on("close", () => upstream.destroy());
      try {
        socket.write(responseHead(101, "Switching Protocols", rawHeaderList(controller)), "latin1");
        if (head.length > 0) upstream.write(head); // bytes the client sent right behind its request
        upstream.pipe(socket);
        socket.pipe(upstream);
      } catch (err) {
        deps.log.warn({ err, host: req.headers.host }, "joining the WebSocket failed");
        upstream.destroy();
        socket.destroy();
      }
    },
    onResponseStart(controller, status, _headers, statusMessage) {
      if (status < 200) return;
      try {
        socket.write(responseHead(status, statusMessage, [...forwardableHeaders(rawHeaderList(controller)), "Connection", "close"]), "latin1");
      } catch (err) {
        fail(controller, err);
      }
    },
    onResponseData(controller, chunk) {
      try {
        if (socket.write(chunk)) return;
        controller.pause();
        socket.once("drain", () => controller.resume());
      } catch (err) {
        fail(controller, err);
      }
    },
    onResponseEnd() {
      // The answer is close-delimited: flush it, then close (end() alone would leave a half-open socket).
      if ("destroySoon" in socket) (socket as Socket).destroySoon();
      else socket.end();
    },
    onResponseError(_controller, err) {
      try {
        if (watch.ended) socket.destroy();
        else upstreamFailed(deps.log, err, req, socket, ctx.unreachable);
      } catch (failure) {
        deps.log.error({ err: failure }, "answering an upstream WebSocket failure failed");
        socket.destroy();
      }
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

/** An HTTP/1.1 status line and header block (undici's parser admits no CR or LF in either), written raw on the client socket. */
function responseHead(status: number, statusMessage: string | undefined, headers: ReadonlyArray<string | Buffer>): string {
  let head = `HTTP/1.1 ${status} ${statusMessage || STATUS_CODES[status] || ""}\r\n`;
  for (let i = 0; i + 1 < headers.length; i += 2) head += `${headers[i]!.toString("latin1")}: ${headers[i + 1]!.toString("latin1")}\r\n`;
  return `${head}\r\n`;
}
