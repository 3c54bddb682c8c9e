import type { Logger } from "../logger";

/** Credentials of the platform-owned superuser of one tenant, and where it listens now. */
export type SuperuserTarget = { instanceId: string; url: string; email: string; password: string };

type CachedToken = { token: string; recordId: string; expiresAt: number };

const SUPERUSERS = "/api/collections/_superusers";

/** Reads `exp` (seconds) from a JWT without verifying it: PocketBase issued it to us. */
function jwtExpiry(token: string): number {
  const payload = token.split(".")[1];
  if (!payload) throw new Error("Malformed token");
  const { exp } = JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as { exp?: number };
  if (typeof exp !== "number") throw new Error("Token has no exp");
  return exp * 1000;
}

/** A PocketBase API call that answered with an error status. */
class PocketbaseCallError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
    this.name = "PocketbaseCallError";
  }
}

async function call<T>(url: string, init: RequestInit & { token?: string }): Promise<T> {
  const headers = new Headers(init.headers);
  headers.set("content-type", "application/json");
  if (init.token) headers.set("authorization", init.token);
  const res = await fetch(url, { ...init, headers, signal: AbortSignal.timeout(10_000) });
  const text = await res.text();
  if (!res.ok) throw new PocketbaseCallError(`PocketBase ${init.method ?? "GET"} ${new URL(url).pathname} → ${res.status}: ${text.slice(0, 200)}`, res.status);
  return JSON.parse(text) as T;
}

/**
 * Talks to a tenant's PocketBase as its platform superuser: caches the superuser session per
 * instance, mints short-lived impersonation tokens, applies platform settings.
 */
export function createPocketbaseAdmin(deps: {
  log: Logger;
  /** Re-creates the platform superuser (e.g. a tenant deleted it in the admin UI). */
  repair: (t: SuperuserTarget) => Promise<void>;
  now?: () => number;
}) {
  const { log } = deps;
  const now = deps.now ?? Date.now;
  const sessions = new Map<string, CachedToken>();

  /** Password sign-in; when it is refused, the superuser is repaired once and sign-in retried. */
  async function signIn(t: SuperuserTarget) {
    const attempt = () =>
      call<{ token: string; record: Record<string, unknown> & { id: string } }>(`${t.url}${SUPERUSERS}/auth-with-password`, {
        method: "POST",
        body: JSON.stringify({ identity: t.email, password: t.password }),
      });
    try {
      return await attempt();
    } catch (err) {
      if (!(err instanceof PocketbaseCallError) || err.status !== 400) throw err;
      log.warn({ instanceId: t.instanceId }, "platform superuser refused; re-creating it");
      await deps.repair(t);
      return attempt();
    }
  }

  async function session(t: SuperuserTarget): Promise<CachedToken> {
    const cached = sessions.get(t.instanceId);
    if (cached && cached.expiresAt - 60_000 > now()) return cached;
    const body = await signIn(t);
    const fresh = { token: body.token, recordId: body.record.id, expiresAt: jwtExpiry(body.token) };
    sessions.set(t.instanceId, fresh);
    return fresh;
  }

  return {
    /**
     * A fresh, refreshable superuser session (password sign-in) for the admin UI: the admin UI
     * refreshes its token on load, which PocketBase refuses for impersonation tokens.
     */
    async signIn(t: SuperuserTarget) {
      const body = await signIn(t);
      return { token: body.token, record: body.record as Record<string, unknown>, expiresAt: jwtExpiry(body.token) };
    },
    /** A superuser token valid for `durationSeconds` (PocketBase impersonation), plus its record. */
    async mintToken(t: SuperuserTarget, durationSeconds: number) {
      const impersonate = async () => {
        const s = await session(t);
        return call<{ token: string; record: Record<string, unknown> }>(`${t.url}${SUPERUSERS}/impersonate/${s.recordId}`, {
          method: "POST",
          token: s.token,
          body: JSON.stringify({ duration: durationSeconds }),
        });
      };
      let body: { token: string; record: Record<string, unknown> };
      try {
        body = await impersonate();
      } catch (err) {
        // A password change in the tenant invalidates our cached session: sign in again, once.
        if (!(err instanceof PocketbaseCallError) || (err.status !== 401 && err.status !== 403)) throw err;
        sessions.delete(t.instanceId);
        body = await impersonate();
      }
      return { token: body.token, record: body.record, expiresAt: jwtExpiry(body.token) };
    },
    /** Settings the platform relies on: trust the gateway's X-Forwarded-For, the public app URL. */
    async applyPlatformSettings(t: SuperuserTarget, settings: { appName: string; appUrl: string }): Promise<void> {
      const s = await session(t);
      await call(`${t.url}/api/settings`, {
        method: "PATCH",
        token: s.token,
        body: JSON.stringify({
          meta: { appName: settings.appName, appURL: settings.appUrl },
          trustedProxy: { headers: ["X-Forwarded-For"], useLeftmostIP: false },
        }),
      });
      log.debug({ instanceId: t.instanceId }, "platform settings applied");
    },
    /** Drops the cached session (after a restart with a new port, or a failed call). */
    forget(instanceId: string): void {
      sessions.delete(instanceId);
    },
  };
}

export type PocketbaseAdmin = ReturnType<typeof createPocketbaseAdmin>;
