import { setForwardedHeaders } from "../forwarded";
import type { Policy, PolicyOutcome } from "./context";

/** Sets X-Forwarded-For/-Proto/-Host so the right-most X-Forwarded-For entry is the client the gateway saw. */
export function forwardedHeadersPolicy(trustedProxyHops: number): Policy {
  return {
    name: "forwarded-headers",
    run(ctx): PolicyOutcome {
      setForwardedHeaders(ctx.req.headers, ctx.clientIp, trustedProxyHops);
      return "next";
    },
  };
}
