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
