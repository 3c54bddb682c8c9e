import type { GatewayLimits } from "./types";

/** The gateway's limits unless the environment says otherwise (config.ts's `GATEWAY_*` defaults). */
export const DEFAULT_GATEWAY_LIMITS: Readonly<GatewayLimits> = Object.freeze({
  headersTimeoutMs: 10_000,
  keepAliveTimeoutMs: 65_000,
  maxConnections: 8192,
  maxConnectionsPerIp: 256,
  maxConcurrentPerIp: 64,
  maxStreamsPerInstance: 1000,
  ratePerIp: 200,
  ratePerInstance: 2000,
});
