import type { Forwarder } from "../forward/types";
import { upstreamOf, type Policy, type PolicyOutcome } from "./context";

/** The last step: hands the exchange to the forwarder (forward/), which answers it from the live instance. */
export function proxyPolicy(forwarder: Forwarder): Policy {
  return {
    name: "proxy",
    run(ctx): PolicyOutcome {
      forwarder.forward(ctx, upstreamOf(ctx));
      return "done";
    },
  };
}
