import pino from "pino";
import { describe, expect, it } from "vitest";
import { toErrorResponse } from "../../../lib/errors";
import type { GatewayRouter, Upstream } from "../types";
import { requestContext } from "./test-context";
import { wakePolicy } from "./wake";

const LIVE: Upstream = { host: "127.0.0.1", port: 8090 };

function router(overrides: Partial<GatewayRouter>): GatewayRouter & { wakes: number } {
  const r = {
    wakes: 0,
    resolve: async () => null,
    activity: () => undefined,
    ensureRunning: async () => {
      r.wakes += 1;
      return LIVE;
    },
    ...overrides,
  };
  return r;
}

describe("wakePolicy", () => {
  const log = pino({ level: "silent" });

  it("passes a request to a live instance on synchronously, without a wake", () => {
    const r = router({ running: () => LIVE });
    const ctx = requestContext();
    expect(wakePolicy({ router: r, wakeTimeoutMs: 1000, log }).run(ctx)).toBe("next");
    expect(ctx.upstream).toEqual(LIVE);
    expect(r.wakes).toBe(0);
  });

  it("wakes an instance that is not running, then passes the request on", async () => {
    const r = router({ running: () => undefined });
    const ctx = requestContext();
    await expect(wakePolicy({ router: r, wakeTimeoutMs: 1000, log }).run(ctx)).resolves.toBe("next");
    expect(ctx.upstream).toEqual(LIVE);
    expect(r.wakes).toBe(1);
  });

  it("answers 503 with Retry-After when the wake outlasts the timeout", async () => {
    const r = router({ ensureRunning: () => new Promise<Upstream>(() => undefined) });
    const outcome = wakePolicy({ router: r, wakeTimeoutMs: 20, log }).run(requestContext());
    const { status, headers } = toErrorResponse(await Promise.resolve(outcome).catch((err: unknown) => err));
    expect(status).toBe(503);
    expect(headers["Retry-After"]).toBe("5");
  });
});
