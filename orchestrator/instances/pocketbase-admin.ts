import type { Logger } from "../logger";

/** Credentials of the platform-owned superuser of one tenant, and where it listens now. */
export type SuperuserTarget = { instanceId: string; url: string; email: string; password: string };

type CachedToken = { token: string; recordId: string; expiresAt: number };

const SUPERUSERS = "/api/collections/_superusers";

/** Reads `exp` (seconds) from a JWT without verifying it: PocketBase issued it to us. */
export function jwtExpiry(token: string): number {
  const payload = token.split(".")[1];
  if (!payload) throw new Error("Malformed token");
  const { exp } = JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as { exp?: number };
  if (typeof exp !== "number") throw new Error("Token has no exp");
  return exp * 1000;
}

async function call<T>(url: string, init: RequestInit & { token?: string }): Promise<T> {
  const headers = new Headers(init.headers);
  headers.set("content-type", "application/json");
  if (init.token) headers.set("authorization", init.token);
  const res = await fetch(url, { ...init, headers, signal: AbortSignal.timeout(10_000) });
  const text = await res.text();
  if (!res.ok) throw new Error(`PocketBase ${init.method ?? "GET"} ${new URL(url).pathname} → ${res.status}: ${text.slice(0, 200)}`);
  return JSON.parse(text) as T;
}

/**
 * Talks to a tenant's PocketBase as its platform superuser: caches the superuser session per
 * instance, mints short-lived impersonation tokens, applies platform settings.
 */
export function createPocketbaseAdmin({ log, now = Date.now }: { log: Logger; now?: () => number }) {
  const sessions = new Map<string, CachedToken>();

  async function session(t: SuperuserTarget): Promise<CachedToken> {
    const cached = sessions.get(t.instanceId);
    if (cached && cached.expiresAt - 60_000 > now()) return cached;
    const body = await call<{ token: string; record: { id: string } }>(`${t.url}${SUPERUSERS}/auth-with-password`, {
      method: "POST",
      body: JSON.stringify({ identity: t.email, password: t.password }),
    });
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
      const body = await call<{ token: string; record: Record<string, unknown> }>(`${t.url}${SUPERUSERS}/auth-with-password`, {
        method: "POST",
        body: JSON.stringify({ identity: t.email, password: t.password }),
      });
      return { token: body.token, record: body.record, expiresAt: jwtExpiry(body.token) };
    },
    /** A superuser token valid for `durationSeconds` (PocketBase impersonation), plus its record. */
    async mintToken(t: SuperuserTarget, durationSeconds: number) {
      const s = await session(t);
      const body = await call<{ token: string; record: Record<string, unknown> }>(
        `${t.url}${SUPERUSERS}/impersonate/${s.recordId}`,
        { method: "POST", token: s.token, body: JSON.stringify({ duration: durationSeconds }) },
      );
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
