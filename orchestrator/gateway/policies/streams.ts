import type { ServerResponse } from "node:http";
import type { Duplex } from "node:stream";
import { atCapacityError } from "../errors";
import type { GatewayRouter } from "../types";
import { instanceOf, type Policy, type PolicyOutcome } from "./context";

/**
 * Long-lived streams (SSE, WebSocket): at most `maxPerInstance` open per instance (503 beyond),
 * each counted as open activity for idle tracking and listed in `open` so Gateway.close() can end it.
 */
export function streamsPolicy(deps: { maxPerInstance: number; router: GatewayRouter; open: Set<ServerResponse | Duplex> }): Policy {
  const counts = new Map<string, number>();
  return {
    name: "streams",
    run(ctx): PolicyOutcome {
      if (!ctx.isStream) return "next";
      const { id } = instanceOf(ctx);
      const count = (counts.get(id) ?? 0) + 1;
      if (deps.maxPerInstance > 0 && count > deps.maxPerInstance) throw atCapacityError("Live connections to this instance are");
      counts.set(id, count);
      const stream = ctx.exchange.kind === "request" ? ctx.exchange.res : ctx.exchange.socket;
      deps.open.add(stream);
      deps.router.activity(id, "open");
      ctx.watch.onEnd(() => {
        const left = (counts.get(id) ?? 1) - 1;
        if (left > 0) counts.set(id, left);
        else counts.delete(id);
        deps.open.delete(stream);
        deps.router.activity(id, "close");
      });
      return "next";
    },
  };
}
