import { AppError, UnavailableError } from "../../../lib/errors";
import type { Logger } from "../../logger";
import { unknownHostError, unknownInstanceError } from "../errors";
import { createHostParser, hostName } from "../host";
import type { GatewayRouter } from "../types";
import type { Policy, PolicyOutcome } from "./context";

/** Seconds before retrying when the instance table could not be read. */
const ROUTING_RETRY_AFTER_SECONDS = 5;

/**
 * Routes `<subdomain>.<baseDomain>` to its instance, and a verified custom domain to the instance it
 * belongs to; 404 for any other Host or an unknown subdomain.
 */
export function hostPolicy(deps: { baseDomain: string; router: GatewayRouter; log: Logger }): Policy {
  const parseHost = createHostParser(deps.baseDomain);
  /** A lookup in the control DB; its failure is a 503 to retry, not a 500. */
  async function routing<T>(name: string, lookup: () => Promise<T>): Promise<T> {
    try {
      return await lookup();
    } catch (err) {
      if (err instanceof AppError) throw err;
      deps.log.error({ err, host: name }, "resolving host failed");
      throw new UnavailableError("Routing is temporarily unavailable. Try again shortly.", ROUTING_RETRY_AFTER_SECONDS, err);
    }
  }

  return {
    name: "host",
    async run(ctx): Promise<PolicyOutcome> {
      const subdomain = parseHost(ctx.req.headers.host);
      if (subdomain === null) {
        const name = deps.router.resolveCustomDomain ? hostName(ctx.req.headers.host) : null;
        const route = name === null ? null : await routing(name, () => deps.router.resolveCustomDomain?.(name) ?? Promise.resolve(null));
        if (route === null) throw unknownHostError(deps.baseDomain);
        ctx.instance = route;
        return "next";
      }
      const id = await routing(subdomain, () => deps.router.resolve(subdomain));
      if (id === null) throw unknownInstanceError(subdomain);
      ctx.instance = { id, subdomain };
      return "next";
    },
  };
}
