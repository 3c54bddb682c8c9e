import type HttpProxy from "http-proxy";
import type { Upstreams } from "../upstream";
import { upstreamOf, type Policy, type PolicyOutcome } from "./context";

/**
 * The last step: hands the exchange to http-proxy. Streams get their own upstream socket; ordinary
 * requests share the instance's keep-alive pool. A client that left while earlier policies awaited
 * is not proxied at all (its upstream request would wait for a body that never comes).
 */
export function proxyPolicy(deps: { proxy: HttpProxy; upstreams: Upstreams }): Policy {
  return {
    name: "proxy",
    run(ctx): PolicyOutcome {
      if (ctx.watch.left) return "done";
      const upstream = upstreamOf(ctx);
      const { exchange, req } = ctx;
      if (exchange.kind === "upgrade") deps.proxy.ws(req, exchange.socket, exchange.head, deps.upstreams.stream(upstream));
      else deps.proxy.web(req, exchange.res, ctx.isStream ? deps.upstreams.stream(upstream) : deps.upstreams.pooled(upstream));
      return "done";
    },
  };
}
