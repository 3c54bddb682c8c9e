import type { IncomingMessage, ServerResponse } from "node:http";
import type { Dispatcher } from "undici";
import type { GatewayContext, Unreachable } from "../policies/context";
import type { UpstreamTarget } from "../upstream";
import { forwardableHeaders, forwardableRequestHeaders, rawHeaderList } from "./headers";
import type { ForwarderDeps } from "./types";
import { upstreamFailed } from "./upstream-failed";

/** Why an upstream request was cut: its client left (not logged as an upstream failure). */
class ClientLeftError extends Error {
  constructor() {
    super("the client left");
  }
}

/**
 * Forwards one HTTP request with undici's dispatch API: the request body streams from the client
 * and the response back as it arrives (backpressure both ways), and a client that leaves aborts
 * the upstream request, freeing its pooled connection at once.
 *
 * Writes are not corked here: undici delivers a response's last data and its end in one parser
 * run, where Node already coalesces them (a chunked response corks its socket until the next
 * tick), so headers, body and terminator of a small response leave in one write. (The old
 * http-proxy path saw them in separate turns and corked until setImmediate; at a fixed request
 * rate that timer cost about a fifth of the gateway's CPU per request.)
 */
export function forwardRequest(ctx: GatewayContext, res: ServerResponse, target: UpstreamTarget, deps: ForwarderDeps): void {
  const { req } = ctx;
  const handler = new RequestHandler(req, res, ctx.isStream, deps, ctx.unreachable);
  ctx.watch.onLeave(() => handler.clientLeft());
  target.dispatcher.dispatch(
    {
      origin: target.origin,
      path: req.url ?? "/",
      method: req.method as Dispatcher.HttpMethod,
      headers: forwardableRequestHeaders(req.headers),
      body: hasBody(req) ? req : null,
    },
    handler,
  );
}

/** A body is announced by Content-Length (non-zero) or Transfer-Encoding (RFC 9112 §6.3); otherwise none follows. */
function hasBody(req: IncomingMessage): boolean {
  const length = req.headers["content-length"];
  return (length !== undefined && length !== "0") || req.headers["transfer-encoding"] !== undefined;
}

/**
 * One request's undici handler: a class, so the hot path allocates one object rather than a
 * closure per callback. No exception may leave a callback: undici would re-emit it as an 'error'
 * event of its client, which nothing listens to, and the orchestrator would exit.
 */
class RequestHandler implements Dispatcher.DispatchHandler {
  private controller: Dispatcher.DispatchController | undefined;
  private left = false;
  private resume: (() => void) | undefined;

  constructor(
    private readonly req: IncomingMessage,
    private readonly res: ServerResponse,
    private readonly isStream: boolean,
    private readonly deps: ForwarderDeps,
    private readonly unreachable: Unreachable | undefined,
  ) {}

  clientLeft(): void {
    this.left = true;
    this.controller?.abort(new ClientLeftError());
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.controller = controller;
    // The client left while the request waited for a pooled connection: it is not sent at all.
    if (this.left) controller.abort(new ClientLeftError());
  }

  onResponseStart(controller: Dispatcher.DispatchController, status: number, _headers: unknown, statusMessage?: string): void {
    if (status < 200) return; // informational (103 Early Hints): the final response follows
    try {
      this.deps.upstreamAnswered(this.req, status);
      this.res.writeHead(status, statusMessage, forwardableHeaders(rawHeaderList(controller)));
      // A stream's client should see the headers now, not with the first event.
      if (this.isStream) this.res.flushHeaders();
    } catch (err) {
      this.fail(controller, err); // e.g. a status line or header value Node refuses to write
    }
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    try {
      if (this.res.write(chunk)) return;
      controller.pause();
      this.res.once("drain", (this.resume ??= () => this.controller?.resume()));
    } catch (err) {
      this.fail(controller, err);
    }
  }

  onResponseEnd(controller: Dispatcher.DispatchController): void {
    try {
      this.res.end();
    } catch (err) {
      this.fail(controller, err);
    }
  }

  onResponseError(_controller: Dispatcher.DispatchController, err: Error): void {
    try {
      if (err instanceof ClientLeftError || this.left) this.res.destroy();
      else upstreamFailed(this.deps.log, err, this.req, this.res, this.unreachable);
    } catch (failure) {
      this.deps.log.error({ err: failure }, "answering an upstream failure failed");
      this.res.destroy();
    }
  }

  /** Our own failure while relaying: the upstream request ends, the client gets a 502 or a cut connection. */
  private fail(controller: Dispatcher.DispatchController, err: unknown): void {
    this.deps.log.warn({ err, host: this.req.headers.host }, "relaying the upstream response failed");
    controller.abort(err instanceof Error ? err : new Error(String(err)));
  }
}
