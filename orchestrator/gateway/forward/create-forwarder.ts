import { createUpstreams } from "../upstream";
import { forwardRequest } from "./forward-request";
import { forwardUpgrade } from "./forward-upgrade";
import type { Forwarder, ForwarderDeps } from "./types";

/**
 * The gateway's forwarder on undici (replacing http-proxy, whose path is kept only as the benchmark
 * baseline in bench/baseline/): undici's dispatch API hands the response's parts to a plain handler,
 * without a ClientRequest/IncomingMessage stream pair and http-proxy's per-request passes.
 * Streams get their own upstream connection; ordinary requests share the instance's keep-alive
 * pool. A client that left while earlier policies awaited is not forwarded at all (its upstream
 * request would wait for a body that never comes).
 */
export function createForwarder(deps: ForwarderDeps): Forwarder {
  const upstreams = createUpstreams();
  return {
    forward(ctx, upstream) {
      if (ctx.watch.left) return;
      const { exchange } = ctx;
      if (exchange.kind === "upgrade") forwardUpgrade(ctx, exchange, upstreams.stream(upstream), deps);
      else forwardRequest(ctx, exchange.res, ctx.isStream ? upstreams.stream(upstream) : upstreams.pooled(upstream), deps);
    },
    close: () => upstreams.destroy(),
  };
}
