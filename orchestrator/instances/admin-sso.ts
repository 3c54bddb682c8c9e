import { randomBytes } from "node:crypto";

/**
 * One-time codes for "Open admin": issued to the signed-in owner through the internal API,
 * redeemed once on the tenant's own origin within `ttlMs`.
 */
export function createAdminSso({ ttlMs = 60_000, now = Date.now }: { ttlMs?: number; now?: () => number } = {}) {
  const codes = new Map<string, { instanceId: string; expiresAt: number }>();

  const sweep = () => {
    for (const [code, c] of codes) if (c.expiresAt <= now()) codes.delete(code);
  };

  return {
    issue(instanceId: string): string {
      sweep();
      const code = randomBytes(32).toString("base64url");
      codes.set(code, { instanceId, expiresAt: now() + ttlMs });
      return code;
    },
    /** True once for a fresh code of this instance; a code is gone after any redeem attempt. */
    redeem(code: string, instanceId: string): boolean {
      const c = codes.get(code);
      codes.delete(code);
      return c !== undefined && c.instanceId === instanceId && c.expiresAt > now();
    },
  };
}

export type AdminSso = ReturnType<typeof createAdminSso>;

/**
 * The page that signs the browser into the PocketBase admin UI: it stores the superuser session
 * where the admin UI reads it (localStorage `__pb_superuser_auth__`) and goes to `/_/`.
 */
export function adminSignInPage(session: { token: string; record: Record<string, unknown> }): string {
  const json = JSON.stringify(JSON.stringify({ token: session.token, record: session.record })).replace(/</g, "\\u003c");
  return `<!doctype html><html><head><meta charset="utf-8"><meta name="robots" content="noindex"><title>Signing in…</title></head>
<body><p>Signing you in to the admin UI…</p>
<script>localStorage.setItem("__pb_superuser_auth__", ${json}); location.replace("/_/");</script></body></html>`;
}
