import { tooManyFromClientError } from "../errors";
import type { Policy, PolicyOutcome } from "./context";

/**
 * Requests in flight plus open streams per client IP, released when each exchange ends: one
 * client can never hold more than this share of an instance's upstream pool. 429 beyond.
 */
export function clientConcurrencyPolicy(maxPerIp: number): Policy {
  const open = new Map<string, number>();
  const release = (ip: string) => {
    const left = (open.get(ip) ?? 1) - 1;
    if (left > 0) open.set(ip, left);
    else open.delete(ip); // no entry per address once it is quiet: the map cannot grow without bound
  };
  return {
    name: "client-concurrency",
    run(ctx): PolicyOutcome {
      if (maxPerIp <= 0) return "next";
      const ip = ctx.clientIp;
      const count = (open.get(ip) ?? 0) + 1;
      if (count > maxPerIp) throw tooManyFromClientError("requests");
      open.set(ip, count);
      ctx.watch.onEnd(() => release(ip));
      return "next";
    },
  };
}
