import { LRUCache } from "lru-cache";
import { UnauthorizedError, UnavailableError } from "../../lib/errors";
import type { Cluster } from "../cluster/cluster";
import type { GatewayRouter, Upstream } from "../gateway/types";
import type { AdminSso } from "./admin-sso";
import type { ApiKeyAuth } from "./api-key-auth";
import type { InstanceController } from "./controller";
import type { EventBus } from "./event-bus";
import type { IdleTracker } from "./idle-tracker";
import type { InstanceStore } from "./instance-store";
import type { SuperuserTokens } from "./superuser-tokens";
import type { TenantDisk } from "./tenant-disk";

/** Seconds before retrying when no node has room for the instance. */
const NO_ROOM_RETRY_AFTER_SECONDS = 30;
/** Subdomain lookups kept at once (hits and misses). */
const SUBDOMAIN_CACHE_MAX = 10_000;

/**
 * The gateway's view of instances: subdomain lookups cached briefly (no DB call on the hot path),
 * wake-on-request through the controller (which shares one start among concurrent requests).
 */
export function createGatewayRouter(deps: {
  store: InstanceStore;
  controller: InstanceController;
  idle: IdleTracker;
  bus: EventBus;
  apiKeys: ApiKeyAuth;
  tokens: SuperuserTokens;
  sso: AdminSso;
  /** Custom domains: a verified one routes to its instance. */
  domains?: { resolveHost(hostname: string): Promise<{ id: string; subdomain: string } | null> };
  /** Where an instance runs when several nodes share the work. */
  cluster: Pick<Cluster, "locate" | "forget">;
  /** Tenant volumes: a full one makes writes answer 507. */
  disk?: Pick<TenantDisk, "isOverQuota">;
  ttlMs?: number;
  now?: () => number;
}): GatewayRouter {
  const ttlMs = deps.ttlMs ?? 5_000;
  const now = deps.now ?? Date.now;
  // Bounded: every random Host an anonymous client sends is one entry, and they must not pile up.
  // Entries outlive their freshness: they route known names while the control DB is unreachable.
  const cache = new LRUCache<string, { id: string | null; until: number }>({ max: SUBDOMAIN_CACHE_MAX });
  deps.bus.subscribe((m) => {
    if (m.type === "instance-deleted") cache.delete(m.subdomain);
    if (m.type === "instance") cache.set(m.instance.subdomain, { id: m.instance.id, until: now() + ttlMs });
  });

  return {
    async resolve(subdomain: string): Promise<string | null> {
      const hit = cache.get(subdomain);
      if (hit && hit.until > now()) return hit.id;
      let instance;
      try {
        instance = await deps.store.findBySubdomain(subdomain);
      } catch (err) {
        // The control DB is down: a name it answered before still routes (running instances keep serving).
        if (hit?.id) return hit.id;
        throw err;
      }
      const id = instance?.id ?? null;
      // Unknown names are cached for less time so a just-created instance is reachable quickly.
      cache.set(subdomain, { id, until: now() + (id ? ttlMs : Math.min(ttlMs, 1_000)) });
      return id;
    },
    resolveCustomDomain: deps.domains ? (hostname: string) => deps.domains?.resolveHost(hostname) ?? Promise.resolve(null) : undefined,
    running(instanceId: string): Upstream | undefined {
      return deps.controller.running(instanceId);
    },
    async locate(instanceId: string): Promise<"here" | Upstream> {
      const where = await deps.cluster.locate(instanceId);
      if (where.kind === "here") return "here";
      if (where.kind === "nowhere") throw new UnavailableError(where.reason, NO_ROOM_RETRY_AFTER_SECONDS);
      const url = new URL(where.node.gatewayUrl);
      return { host: url.hostname.replace(/^\[|\]$/g, ""), port: Number(url.port || 80) };
    },
    forgetLocation(instanceId: string): void {
      deps.cluster.forget(instanceId);
    },
    ensureRunning(instanceId: string): Promise<Upstream> {
      return deps.controller.wake(instanceId);
    },
    activity(instanceId: string, kind: "request" | "open" | "close"): void {
      deps.idle.activity(instanceId, kind);
    },
    async authorize(instanceId: string, upstream: Upstream, apiKey: string): Promise<string> {
      const verdict = await deps.apiKeys.verify(instanceId, apiKey);
      // A revoked key leaves nothing behind: the token it was served with is minted anew for live keys.
      if (verdict === "revoked") deps.tokens.forget(instanceId);
      if (verdict !== "valid") throw new UnauthorizedError("Invalid or revoked API key.");
      return deps.tokens.get(instanceId, upstream);
    },
    overQuota(instanceId: string): boolean {
      return deps.disk?.isOverQuota(instanceId) ?? false;
    },
    tokenRejected(instanceId: string): void {
      deps.tokens.forget(instanceId);
    },
    async adminSession(instanceId: string, upstream: Upstream, code: string) {
      if (!deps.sso.redeem(code, instanceId)) {
        throw new UnauthorizedError("This sign-in link is invalid or has expired. Open the admin UI from the dashboard again.");
      }
      const session = await deps.tokens.session(instanceId, upstream);
      return { token: session.token, record: session.record };
    },
  };
}
