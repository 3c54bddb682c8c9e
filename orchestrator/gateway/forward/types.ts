import type { IncomingMessage } from "node:http";
import type { Logger } from "../../logger";
import type { GatewayContext } from "../policies/context";
import type { Upstream } from "../types";

/** The gateway's last step: carries an exchange to the live instance and its answer back. */
export type Forwarder = {
  /** Forwards one request or WebSocket upgrade; failures are answered (502) or cut, never thrown. */
  forward(ctx: GatewayContext, upstream: Upstream): void;
  /** Closes the upstream connections (after the server stopped taking exchanges). */
  close(): Promise<void>;
};

export type ForwarderDeps = {
  log: Logger;
  /** Told the status of every upstream HTTP response (the API-key step watches for 401s). */
  upstreamAnswered(req: IncomingMessage, status: number): void;
};

/** Builds the forwarder; the gateway takes another one only in benchmarks (the old path as a baseline). */
export type CreateForwarder = (deps: ForwarderDeps) => Forwarder;
