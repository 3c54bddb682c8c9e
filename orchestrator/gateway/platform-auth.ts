import type { IncomingMessage, ServerResponse } from "node:http";
import { apiKeyFromAuthorization } from "../../lib/api-keys";
import { UnauthorizedError } from "../../lib/errors";
import type { GatewayRouter } from "./types";

/** Gateway-owned path on a tenant's origin that signs the browser into the PocketBase admin UI. */
export const ADMIN_SIGN_IN_PATH = "/_picobase/sso";

/** Requests whose Authorization was swapped by `exchangeApiKey`, with their instance. */
const exchanged = new WeakMap<IncomingMessage, string>();

/** Swaps an instance API key for the superuser token PocketBase understands; the key never goes upstream. */
export async function exchangeApiKey(router: GatewayRouter, req: IncomingMessage, instanceId: string, port: number): Promise<void> {
  const key = apiKeyFromAuthorization(req.headers.authorization);
  if (key === null) return;
  if (!router.authorize) {
    delete req.headers.authorization;
    return;
  }
  req.headers.authorization = await router.authorize(instanceId, port, key);
  exchanged.set(req, instanceId);
}

/** Tells the router when PocketBase refused a token the gateway put in, so it is minted anew. */
export function noteUpstreamStatus(router: GatewayRouter, req: IncomingMessage, status: number | undefined): void {
  if (status !== 401) return;
  const instanceId = exchanged.get(req);
  if (instanceId !== undefined) router.tokenRejected?.(instanceId);
}

/** Serves the admin sign-in page for `/_picobase/sso?code=…`; true when the request was this one. */
export async function serveAdminSignIn(
  router: GatewayRouter,
  req: IncomingMessage,
  res: ServerResponse,
  target: { instanceId: string; port: number },
): Promise<boolean> {
  const url = new URL(req.url ?? "/", "http://gateway");
  if (url.pathname !== ADMIN_SIGN_IN_PATH || req.method !== "GET") return false;
  const code = url.searchParams.get("code");
  if (!code || !router.adminSession) throw new UnauthorizedError("This sign-in link is invalid. Open the admin UI from the dashboard.");
  const session = await router.adminSession(target.instanceId, target.port, code);
  const html = signInPage(session);
  res.writeHead(200, {
    "content-type": "text/html; charset=utf-8",
    "content-length": Buffer.byteLength(html),
    "cache-control": "no-store",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
  });
  res.end(html);
  return true;
}

/**
 * localStorage keys under which PocketBase's admin UI keeps its superuser session (the SDK's
 * LocalAuthStore format): `__pb_superusers__` + the UI's path since v0.36, the older fixed key before.
 */
export const ADMIN_AUTH_KEYS = ["__pb_superusers__/_", "__pb_superuser_auth__"];

/** Stores the superuser session where the admin UI reads it and opens `/_/`. */
export function signInPage(session: { token: string; record: Record<string, unknown> }): string {
  const value = JSON.stringify({ token: session.token, record: session.record });
  const script = `for (const key of ${JSON.stringify(ADMIN_AUTH_KEYS)}) localStorage.setItem(key, ${JSON.stringify(value)});\nlocation.replace("/_/");`;
  return `<!doctype html><html><head><meta charset="utf-8"><meta name="robots" content="noindex"><title>Signing in…</title></head>
<body><p>Signing you in to the admin UI…</p>
<script>${script.replace(/</g, "\\u003c")}</script></body></html>`;
}
