import type { IncomingMessage } from "node:http";
import { apiKeyFromAuthorization } from "../../../lib/api-keys";
import { ForbiddenError } from "../../../lib/errors";
import type { GatewayRouter } from "../types";
import { instanceOf, upstreamOf, type Policy, type PolicyOutcome } from "./context";

/**
 * Instance API keys: a request carrying `pbk_…` is checked by the router and forwarded with a
 * short-lived superuser token instead; the key never reaches PocketBase. A key may not mint
 * tokens of its own (impersonation), since those would outlive the key's revocation.
 */
export function createApiKeyExchange(router: GatewayRouter): {
  policy: Policy;
  /** Tells the router when PocketBase refused a token the gateway put in, so it is minted anew. */
  upstreamAnswered(req: IncomingMessage, status: number | undefined): void;
} {
  const exchanged = new WeakMap<IncomingMessage, string>();
  const policy: Policy = {
    name: "api-key",
    // Synchronous without a key: the hot path pays no promise for this step.
    run(ctx): PolicyOutcome | Promise<PolicyOutcome> {
      const { req } = ctx;
      const key = apiKeyFromAuthorization(req.headers.authorization);
      if (key === null) return "next";
      if (isImpersonation(req.url ?? "/")) {
        throw new ForbiddenError(
          "API keys cannot impersonate: a token minted this way would keep working after the key is revoked. Send the key itself with each request.",
        );
      }
      if (!router.authorize) {
        delete req.headers.authorization;
        return "next";
      }
      const { id } = instanceOf(ctx);
      return router.authorize(id, upstreamOf(ctx), key).then((token): PolicyOutcome => {
        req.headers.authorization = token;
        exchanged.set(req, id);
        return "next";
      });
    },
  };
  return {
    policy,
    upstreamAnswered(req, status) {
      if (status !== 401) return;
      const id = exchanged.get(req);
      if (id !== undefined) router.tokenRejected?.(id);
    },
  };
}

/**
 * PocketBase's `POST /api/collections/{collection}/impersonate/{id}`, matched the way its router
 * (Go's ServeMux) would: per path segment, percent-decoded; also with empty or dot segments and in
 * any case, so no spelling slips through (a slightly wider match only refuses more).
 */
export function isImpersonation(url: string): boolean {
  const path = url.split("?", 1)[0] ?? "";
  const segments: string[] = [];
  for (const raw of path.split("/")) {
    const segment = decodeSegment(raw).toLowerCase();
    if (segment === "" || segment === ".") continue;
    if (segment === "..") segments.pop();
    else segments.push(segment);
  }
  return segments[0] === "api" && segments[1] === "collections" && segments[3] === "impersonate";
}

function decodeSegment(raw: string): string {
  if (!raw.includes("%")) return raw;
  try {
    return decodeURIComponent(raw);
  } catch (malformed) {
    // A malformed escape (URIError): PocketBase refuses such a path anyway; match on the raw text.
    return raw;
  }
}
