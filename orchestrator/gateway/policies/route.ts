import { UnavailableError } from "../../../lib/errors";
import { MAX_PEER_HOPS, stampPeerRequest } from "../../cluster/peer-auth";
import type { Forwarder } from "../forward/types";
import type { GatewayRouter } from "../types";
import { instanceOf, type Policy, type PolicyOutcome } from "./context";

/** Seconds a client should wait before retrying when the node running the instance did not answer. */
const MOVING_RETRY_AFTER_SECONDS = 2;
const MOVING_ERROR = new UnavailableError(
  "The server running this instance is not answering; the instance moves to another server within seconds. Try again shortly.",
  MOVING_RETRY_AFTER_SECONDS,
);

/**
 * Sends a request for an instance another node runs (or should start) to that node's gateway,
 * stamped with the node-to-node key and the client's address; that gateway applies the limits,
 * wakes, authenticates and answers. A request is forwarded at most MAX_PEER_HOPS times (twice only
 * when the node it was sent to had just moved the instance on); the last node answers it itself.
 */
export function routePolicy(deps: { router: GatewayRouter; forwarder: Forwarder; peerKey: string }): Policy {
  return {
    name: "route",
    run(ctx): PolicyOutcome | Promise<PolicyOutcome> {
      const { locate } = deps.router;
      if (ctx.peerHops >= MAX_PEER_HOPS || !locate) return "next";
      const { id } = instanceOf(ctx);
      if (deps.router.running?.(id) !== undefined) return "next"; // runs here: no lookup at all
      return locate(id).then((where) => {
        if (where === "here") return "next";
        stampPeerRequest(ctx.req.headers, deps.peerKey, ctx.clientIp, ctx.peerHops);
        // A node that does not answer has probably died: its instances move once its leases expire.
        ctx.unreachable = { error: MOVING_ERROR, reported: () => deps.router.forgetLocation?.(id) };
        deps.forwarder.forward(ctx, where);
        return "done";
      });
    },
  };
}
