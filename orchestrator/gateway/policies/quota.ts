import { DiskQuotaExceededError } from "../errors";
import type { GatewayRouter } from "../types";
import { instanceOf, type Policy, type PolicyOutcome } from "./context";

/** Methods that add data; reads and deletes (which free space) go on over quota. */
const WRITE_METHODS = new Set(["POST", "PUT", "PATCH"]);

/** Refuses writes to an instance over its disk quota with 507; the usage source is the router's. */
export function quotaPolicy(router: Pick<GatewayRouter, "overQuota">): Policy {
  return {
    name: "quota",
    run(ctx): PolicyOutcome {
      if (WRITE_METHODS.has(ctx.req.method ?? "") && router.overQuota?.(instanceOf(ctx).id)) throw new DiskQuotaExceededError();
      return "next";
    },
  };
}
