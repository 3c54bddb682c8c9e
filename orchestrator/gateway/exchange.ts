import type { IncomingMessage, ServerResponse } from "node:http";
import type { Duplex } from "node:stream";

/** What the gateway answers on: an HTTP response, or the raw socket of a WebSocket upgrade. */
export type Exchange = { kind: "request"; res: ServerResponse } | { kind: "upgrade"; socket: Duplex; head: Buffer };

/**
 * Follows one exchange to its end, from the moment it arrives, so no event is missed while policies
 * await (a wake, a key check). `left` turns true when the client goes away before its answer
 * completed: its response closed unfinished, its request body stopped short (the client hung up
 * mid-upload), or, for an upgrade, its socket closed.
 */
export class ExchangeWatch {
  left = false;
  ended = false;
  private endFns: Array<() => void> | undefined;
  private leaveFns: Array<() => void> | undefined;

  /** Watches a plain request and its response. */
  static forRequest(req: IncomingMessage, res: ServerResponse): ExchangeWatch {
    const watch = new ExchangeWatch();
    res.once("close", () => watch.end(!res.writableFinished));
    req.once("close", () => {
      if (!req.complete) watch.leave();
    });
    return watch;
  }

  /** Watches an upgrade socket (its close ends the exchange, whatever stage it reached). */
  static forUpgrade(socket: Duplex): ExchangeWatch {
    const watch = new ExchangeWatch();
    socket.once("close", () => watch.end(true));
    return watch;
  }

  /** Runs `fn` once the exchange is over (answered or abandoned); at once if it already is. */
  onEnd(fn: () => void): void {
    if (this.ended) fn();
    else (this.endFns ??= []).push(fn);
  }

  /** Runs `fn` if the client leaves before its answer completed; at once if it already has. */
  onLeave(fn: () => void): void {
    if (this.left) fn();
    else if (!this.ended) (this.leaveFns ??= []).push(fn);
  }

  private leave(): void {
    if (this.left) return;
    this.left = true;
    const fns = this.leaveFns;
    this.leaveFns = undefined;
    fns?.forEach((fn) => fn());
  }

  private end(left: boolean): void {
    if (this.ended) return;
    if (left) this.leave();
    this.ended = true;
    this.leaveFns = undefined;
    const fns = this.endFns;
    this.endFns = undefined;
    fns?.forEach((fn) => fn());
  }
}
