import type { ServerResponse } from "node:http";
import { UnauthorizedError } from "../../../lib/errors";
import type { GatewayRouter } from "../types";
import { instanceOf, upstreamOf, type GatewayContext, type Policy, type PolicyOutcome } from "./context";

/** Gateway-owned path on a tenant's origin that signs the browser into the PocketBase admin UI. */
export const ADMIN_SIGN_IN_PATH = "/_picobase/sso";

/** Serves `GET /_picobase/sso?code=…` ("Open admin" single sign-on); everything else passes. */
export function adminSignInPolicy(router: GatewayRouter): Policy {
  return {
    name: "admin-sign-in",
    // Synchronous for every other request: the hot path pays no promise for this step.
    run(ctx): PolicyOutcome | Promise<PolicyOutcome> {
      const { req, exchange } = ctx;
      if (exchange.kind !== "request" || req.method !== "GET" || !req.url?.startsWith(ADMIN_SIGN_IN_PATH)) return "next";
      const url = new URL(req.url, "http://gateway");
      if (url.pathname !== ADMIN_SIGN_IN_PATH) return "next";
      return signIn(router, ctx, exchange.res, url.searchParams.get("code"));
    },
  };
}

async function signIn(router: GatewayRouter, ctx: GatewayContext, res: ServerResponse, code: string | null): Promise<PolicyOutcome> {
  if (!code || !router.adminSession) throw new UnauthorizedError("This sign-in link is invalid. Open the admin UI from the dashboard.");
  const session = await router.adminSession(instanceOf(ctx).id, upstreamOf(ctx), code);
  const html = signInPage(session);
  res.writeHead(200, {
    "content-type": "text/html; charset=utf-8",
    "content-length": Buffer.byteLength(html),
    "cache-control": "no-store",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
  });
  res.end(html);
  return "done";
}

/**
 * localStorage keys under which PocketBase's admin UI keeps its superuser session (the SDK's
 * LocalAuthStore format): `__pb_superusers__` + the UI's path since v0.36, the older fixed key before.
 */
const ADMIN_AUTH_KEYS = ["__pb_superusers__/_", "__pb_superuser_auth__"];

/** Stores the superuser session where the admin UI reads it and opens `/_/`. */
export function signInPage(session: { token: string; record: Record<string, unknown> }): string {
  const value = JSON.stringify({ token: session.token, record: session.record });
  const script = `for (const key of ${JSON.stringify(ADMIN_AUTH_KEYS)}) localStorage.setItem(key, ${JSON.stringify(value)});\nlocation.replace("/_/");`;
  return `<!doctype html><html><head><meta charset="utf-8"><meta name="robots" content="noindex"><title>Signing in…</title></head>
<body><p>Signing you in to the admin UI…</p>
<script>${script.replace(/</g, "\\u003c")}</script></body></html>`;
}
