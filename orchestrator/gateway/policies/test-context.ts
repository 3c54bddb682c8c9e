import { IncomingMessage, ServerResponse } from "node:http";
import { Socket } from "node:net";
import { ExchangeWatch } from "../exchange";
import type { GatewayContext } from "./context";

/** A policy's view of one plain request to instance `i1` (`app`), for policy unit tests. */
export function requestContext(opts: { method?: string; url?: string; headers?: Record<string, string>; instanceId?: string } = {}): GatewayContext {
  const req = new IncomingMessage(new Socket());
  req.method = opts.method ?? "GET";
  req.url = opts.url ?? "/";
  req.headers = opts.headers ?? {};
  const res = new ServerResponse(req);
  return {
    req,
    exchange: { kind: "request", res },
    watch: ExchangeWatch.forRequest(req, res),
    clientIp: "203.0.113.1",
    isStream: false,
    peerHops: 0,
    instance: { id: opts.instanceId ?? "i1", subdomain: "app" },
  };
}
