import { createSingleFlight } from "../../lib/single-flight";
import { httpOrigin, type HostPort } from "../tools/http-origin";
import type { InstanceStore } from "./instance-store";
import type { Lifecycle } from "./lifecycle";
import type { PocketbaseAdmin } from "./pocketbase-admin";

/**
 * Short-lived superuser tokens per instance, minted by impersonation and reused until a minute
 * before they expire; concurrent callers share one mint. API-key requests forward with these.
 * The tokens never leave the gateway (they replace the key on the way to PocketBase), so dropping
 * one from this cache is enough to stop using it; it dies on its own within `ttlSeconds`.
 */
export function createSuperuserTokens(deps: { store: InstanceStore; lifecycle: Lifecycle; admin: PocketbaseAdmin; ttlSeconds?: number; now?: () => number }) {
  const ttlSeconds = deps.ttlSeconds ?? 900;
  const now = deps.now ?? Date.now;
  const tokens = new Map<string, { token: string; expiresAt: number }>();
  const minting = createSingleFlight<string>();

  async function mint(instanceId: string, upstream: HostPort): Promise<string> {
    const instance = await deps.store.get(instanceId);
    const minted = await deps.admin.mintToken(deps.lifecycle.superuser(instance, httpOrigin(upstream)), ttlSeconds);
    tokens.set(instanceId, { token: minted.token, expiresAt: minted.expiresAt });
    return minted.token;
  }

  return {
    /** A valid superuser token for the instance listening at `upstream`. */
    get(instanceId: string, upstream: HostPort): Promise<string> {
      const cached = tokens.get(instanceId);
      if (cached && cached.expiresAt - 60_000 > now()) return Promise.resolve(cached.token);
      return minting.run(instanceId, () => mint(instanceId, upstream));
    },
    /** A fresh, refreshable superuser session with its record, for the admin UI. */
    async session(instanceId: string, upstream: HostPort) {
      const instance = await deps.store.get(instanceId);
      return deps.admin.signIn(deps.lifecycle.superuser(instance, httpOrigin(upstream)));
    },
    /** Drops the cached token (PocketBase refused it, or a key of the instance was revoked). */
    forget(instanceId: string): void {
      tokens.delete(instanceId);
    },
  };
}

export type SuperuserTokens = ReturnType<typeof createSuperuserTokens>;
