import type { ServerResponse } from "node:http";
import type { Duplex } from "node:stream";
import pino from "pino";
import { describe, expect, it } from "vitest";
import { createPolicyChain } from "./chain";
import { createForwarder } from "./forward/create-forwarder";

describe("createPolicyChain", () => {
  it("runs limits before the wake, auth after it and proxying last", () => {
    const limits = {
      headersTimeoutMs: 1,
      keepAliveTimeoutMs: 1,
      maxConnections: 0,
      maxConnectionsPerIp: 0,
      maxConcurrentPerIp: 0,
      maxStreamsPerInstance: 0,
      ratePerIp: 0,
      ratePerInstance: 0,
    };
    const { policies } = createPolicyChain({
      config: { host: "127.0.0.1", port: 0, baseDomain: "localhost", wakeTimeoutMs: 1, trustedProxyHops: 0, peerKey: "test", limits },
      router: { resolve: async () => null, ensureRunning: async () => ({ host: "127.0.0.1", port: 1 }), activity: () => undefined },
      log: pino({ level: "silent" }),
      createForwarder,
      streams: new Set<ServerResponse | Duplex>(),
    });
    expect(policies.map((p) => p.name)).toEqual([
      "host",
      "route",
      "rate-limit",
      "client-concurrency",
      "streams",
      "quota",
      "wake",
      "admin-sign-in",
      "api-key",
      "forwarded-headers",
      "proxy",
    ]);
  });
});
