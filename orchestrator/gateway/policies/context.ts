import type { IncomingMessage } from "node:http";
import type { Exchange, ExchangeWatch } from "../exchange";
import type { AppError } from "../../../lib/errors";
import type { Upstream } from "../types";

/** What every policy sees of one request or upgrade; earlier policies fill in what later ones need. */
export type GatewayContext = {
  readonly req: IncomingMessage;
  readonly exchange: Exchange;
  readonly watch: ExchangeWatch;
  /** The client as lib/client-ip.ts decides it: the peer, or the trusted X-Forwarded-For entry. */
  readonly clientIp: string;
  /** SSE or WebSocket: long-lived, on its own upstream socket, counted against the stream cap. */
  readonly isStream: boolean;
  /** How many other nodes' gateways forwarded it here (with the node-to-node key); 0 from a client. */
  readonly peerHops: number;
  /** Set by the host policy. */
  instance?: { id: string; subdomain: string };
  /** Set by the wake policy. */
  upstream?: Upstream;
  /** Set when the upstream is another node's gateway: what a client gets when it cannot be reached (instead of a 502). */
  unreachable?: Unreachable;
};

/** How an exchange forwarded to another node answers when that node does not answer (it may have died). */
export type Unreachable = { error: AppError; reported(): void };

/** "next" passes the exchange on; "done" means this policy answered it. Ending with an error is a throw. */
export type PolicyOutcome = "next" | "done";

/** One step of the gateway: a small, named concern (routing, a limit, auth, proxying). */
export type Policy = {
  readonly name: string;
  run(ctx: GatewayContext): PolicyOutcome | Promise<PolicyOutcome>;
};

/** Runs the policies in order until one answers or throws (an AppError, mapped by responses.ts). */
export async function runPolicies(policies: readonly Policy[], ctx: GatewayContext): Promise<void> {
  for (const policy of policies) {
    const outcome = policy.run(ctx);
    if ((typeof outcome === "string" ? outcome : await outcome) === "done") return;
  }
}

/** The routed instance; a policy that needs it runs after the host policy. */
export function instanceOf(ctx: GatewayContext): { id: string; subdomain: string } {
  if (!ctx.instance) throw new Error("gateway policy order: the host policy must run first");
  return ctx.instance;
}

/** The live instance's address; a policy that needs it runs after the wake policy. */
export function upstreamOf(ctx: GatewayContext): Upstream {
  if (!ctx.upstream) throw new Error("gateway policy order: the wake policy must run first");
  return ctx.upstream;
}
