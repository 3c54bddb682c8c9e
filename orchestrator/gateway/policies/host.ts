import { AppError, UnavailableError } from "../../../lib/errors";
import type { Logger } from "../../logger";
import { unknownHostError, unknownInstanceError } from "../errors";
import { createHostParser } from "../host";
import type { GatewayRouter } from "../types";
import type { Policy, PolicyOutcome } from "./context";

/** Seconds before retrying when the instance table could not be read. */
const ROUTING_RETRY_AFTER_SECONDS = 5;

/** Routes `<subdomain>.<baseDomain>` to its instance; 404 for any other Host or an unknown subdomain. */
export function hostPolicy(deps: { baseDomain: string; router: GatewayRouter; log: Logger }): Policy {
  const parseHost = createHostParser(deps.baseDomain);
  return {
    name: "host",
    async run(ctx): Promise<PolicyOutcome> {
      const subdomain = parseHost(ctx.req.headers.host);
      if (subdomain === null) throw unknownHostError(deps.baseDomain);
      let id: string | null;
      try {
        id = await deps.router.resolve(subdomain);
      } catch (err) {
        if (err instanceof AppError) throw err;
        deps.log.error({ err, subdomain }, "resolving subdomain failed");
        throw new UnavailableError("Routing is temporarily unavailable. Try again shortly.", ROUTING_RETRY_AFTER_SECONDS, err);
      }
      if (id === null) throw unknownInstanceError(subdomain);
      ctx.instance = { id, subdomain };
      return "next";
    },
  };
}
