import type { ServerResponse } from "node:http";
import type { Duplex } from "node:stream";
import type { Logger } from "../logger";
import type { CreateForwarder, Forwarder } from "./forward/types";
import { adminSignInPolicy } from "./policies/admin-sign-in";
import { createApiKeyExchange } from "./policies/api-key";
import { clientConcurrencyPolicy } from "./policies/client-concurrency";
import type { Policy } from "./policies/context";
import { forwardedHeadersPolicy } from "./policies/forwarded-headers";
import { hostPolicy } from "./policies/host";
import { proxyPolicy } from "./policies/proxy";
import { quotaPolicy } from "./policies/quota";
import { rateLimitPolicy } from "./policies/rate-limit";
import { routePolicy } from "./policies/route";
import { streamsPolicy } from "./policies/streams";
import { wakePolicy } from "./policies/wake";
import type { GatewayConfig, GatewayRouter } from "./types";

/**
 * The gateway's per-request steps, in order, one file each under policies/. Requests and
 * WebSocket upgrades run the same list; a new concern is a new policy placed where it belongs:
 * another node's instances leave right after routing (that node applies the rest), limits come
 * before the (costly) wake, auth after it, proxying last.
 */
export function createPolicyChain(deps: {
  config: GatewayConfig;
  router: GatewayRouter;
  log: Logger;
  createForwarder: CreateForwarder;
  /** Open SSE responses and WebSocket sockets, for Gateway.close(). */
  streams: Set<ServerResponse | Duplex>;
}): { policies: readonly Policy[]; forwarder: Forwarder } {
  const { config, router, log } = deps;
  const apiKeys = createApiKeyExchange(router);
  const forwarder = deps.createForwarder({ log, upstreamAnswered: apiKeys.upstreamAnswered });
  const policies: Policy[] = [
    hostPolicy({ baseDomain: config.baseDomain, router, log }),
    routePolicy({ router, forwarder, peerKey: config.peerKey }),
    rateLimitPolicy(config.limits),
    clientConcurrencyPolicy(config.limits.maxConcurrentPerIp),
    streamsPolicy({ maxPerInstance: config.limits.maxStreamsPerInstance, router, open: deps.streams }),
    quotaPolicy(router),
    wakePolicy({ router, wakeTimeoutMs: config.wakeTimeoutMs, log }),
    adminSignInPolicy(router),
    apiKeys.policy,
    forwardedHeadersPolicy(config.trustedProxyHops),
    proxyPolicy(forwarder),
  ];
  return { policies, forwarder };
}
