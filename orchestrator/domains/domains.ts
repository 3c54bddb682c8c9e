import { randomBytes, randomUUID } from "node:crypto";
import { and, asc, count, eq, inArray, isNull, lt, or, sql } from "drizzle-orm";
import { LRUCache } from "lru-cache";
import type { Db } from "../../lib/db/client";
import { customDomains, instances, type CustomDomain, type Instance } from "../../lib/db/schema";
import { customDomainProblem, normalizeHostname, requiredRecords, type DomainJson } from "../../lib/domains";
import { AppError, ConflictError, NotFoundError, UnprocessableError } from "../../lib/errors";
import { customDomainUrl, instanceUrl, type PublicUrlSettings } from "../../lib/instance-url";
import type { EventBus } from "../instances/event-bus";
import type { InstanceStore } from "../instances/instance-store";
import type { Logger } from "../logger";
import { createPeriodicTask } from "../tools/periodic-task";
import { createHostParser, hostName } from "../gateway/host";
import type { DnsCheck } from "./dns-check";

/** Host lookups the gateway and the TLS `ask` endpoint keep cached at once (hits and misses). */
const HOST_CACHE_MAX = 10_000;
/** Domains checked per tick of the periodic re-check: the work per tick is bounded, not O(all domains). */
const CHECK_BATCH = 50;
/** A new domain is checked every minute for its first hour (while its owner sets up DNS), then like the rest. */
const NEW_DOMAIN_WINDOW_MS = 3_600_000;
const NEW_DOMAIN_INTERVAL_MS = 60_000;

export type Domains = ReturnType<typeof createDomains>;

const isUniqueViolation = (err: unknown) => String((err as Error).cause ?? err).includes("UNIQUE");

/**
 * Custom domains inside the orchestrator: adding and removing them for an instance, verifying
 * their DNS (now, and again periodically: a verified domain whose records are gone becomes `lost`),
 * routing a verified one to its instance, approving certificates, and PocketBase's app URL.
 */
export function createDomains(deps: {
  db: Db;
  store: InstanceStore;
  bus: EventBus;
  log: Logger;
  check: DnsCheck;
  baseDomain: string;
  publicUrl: PublicUrlSettings;
  /** Custom domains one user may have over all their instances. */
  perUserLimit: number;
  /** How often a domain is checked again once it is past its first hour. */
  recheckMs: number;
  /** Instance id of a subdomain (the gateway router's cached lookup), for `approves`. */
  resolveSubdomain: (subdomain: string) => Promise<string | null>;
  /** The app URL of an instance may have changed (a primary domain verified, lost, changed or removed). */
  onAppUrlChange: (instanceId: string) => Promise<void>;
  now?: () => Date;
}) {
  const { db, log } = deps;
  const now = deps.now ?? (() => new Date());
  const hosts = new LRUCache<string, { route: { id: string; subdomain: string } | null; until: number }>({ max: HOST_CACHE_MAX });
  deps.bus.subscribe((m) => {
    if (m.type !== "instance-deleted") return;
    for (const [host, entry] of hosts.entries()) if (entry.route?.id === m.id) hosts.delete(host);
  });

  const parseHost = createHostParser(deps.baseDomain);
  const target = (subdomain: string) => `${subdomain}.${deps.baseDomain}`;
  const toJson = (d: CustomDomain, subdomain: string): DomainJson => ({
    id: d.id,
    hostname: d.hostname,
    status: d.status,
    isPrimary: d.isPrimary,
    lastError: d.lastError,
    checkedAt: d.checkedAt?.toISOString() ?? null,
    verifiedAt: d.verifiedAt?.toISOString() ?? null,
    createdAt: d.createdAt.toISOString(),
    records: requiredRecords(d.hostname, target(subdomain), d.verifyToken),
  });

  async function rowsOf(instanceId: string): Promise<CustomDomain[]> {
    return db.select().from(customDomains).where(eq(customDomains.instanceId, instanceId)).orderBy(asc(customDomains.createdAt));
  }

  async function domainOf(instanceId: string, domainId: string): Promise<CustomDomain> {
    const [row] = await db
      .select()
      .from(customDomains)
      .where(and(eq(customDomains.id, domainId), eq(customDomains.instanceId, instanceId)));
    if (!row) throw new NotFoundError("Domain not found.");
    return row;
  }

  /** Looks at one domain's DNS and records what it found; returns whether its routing changed. */
  async function checkOne(domain: CustomDomain, instance: Pick<Instance, "subdomain">): Promise<boolean> {
    const verdict = await deps.check(domain.hostname, domain.verifyToken, target(instance.subdomain));
    const at = now();
    let status: CustomDomain["status"] = domain.status;
    if (verdict.result === "verified") status = "verified";
    else if (verdict.result === "failed") status = domain.status === "pending" ? "pending" : "lost";
    const lastError = verdict.result === "verified" ? null : verdict.error;
    const verifiedAt = verdict.result === "verified" && domain.status !== "verified" ? at : domain.verifiedAt;
    try {
      await db.update(customDomains).set({ status, lastError, checkedAt: at, verifiedAt }).where(eq(customDomains.id, domain.id));
    } catch (err) {
      if (!isUniqueViolation(err)) throw err;
      // Another instance's claim of this name was verified first (the unique index among verified names decides).
      status = domain.status === "verified" ? "lost" : domain.status;
      const taken = "This domain is verified for another instance.";
      await db.update(customDomains).set({ status, lastError: taken, checkedAt: at }).where(eq(customDomains.id, domain.id));
    }
    const changed = (status === "verified") !== (domain.status === "verified");
    if (changed) {
      hosts.delete(domain.hostname);
      log.info({ instanceId: domain.instanceId, hostname: domain.hostname, status }, "custom domain status changed");
    }
    return changed;
  }

  /** Checks every domain of an instance now; tells the lifecycle when its primary's routing changed. */
  async function checkInstance(instanceId: string): Promise<void> {
    const instance = await deps.store.get(instanceId);
    let primaryChanged = false;
    for (const domain of await rowsOf(instanceId)) {
      if ((await checkOne(domain, instance)) && domain.isPrimary) primaryChanged = true;
    }
    if (primaryChanged) await deps.onAppUrlChange(instanceId);
  }

  /** One tick of the periodic re-check: the domains due, oldest check first, at most CHECK_BATCH. */
  async function checkDue(): Promise<void> {
    const at = now().getTime();
    const due = await db
      .select({ domain: customDomains, subdomain: instances.subdomain })
      .from(customDomains)
      .innerJoin(instances, eq(instances.id, customDomains.instanceId))
      .where(
        or(
          isNull(customDomains.checkedAt),
          lt(customDomains.checkedAt, new Date(at - deps.recheckMs)),
          and(
            eq(customDomains.status, "pending"),
            sql`${customDomains.createdAt} > ${at - NEW_DOMAIN_WINDOW_MS}`,
            lt(customDomains.checkedAt, new Date(at - NEW_DOMAIN_INTERVAL_MS)),
          ),
        ),
      )
      .orderBy(asc(customDomains.checkedAt))
      .limit(CHECK_BATCH);
    for (const { domain, subdomain } of due) {
      try {
        if ((await checkOne(domain, { subdomain })) && domain.isPrimary) await deps.onAppUrlChange(domain.instanceId);
      } catch (err) {
        log.warn({ err, hostname: domain.hostname }, "custom domain check failed");
      }
    }
  }

  const recheck = createPeriodicTask({
    intervalMs: Math.min(NEW_DOMAIN_INTERVAL_MS, deps.recheckMs),
    run: checkDue,
    onError: (err) => log.error({ err }, "custom domain re-check failed"),
  });

  /** The instance a verified custom domain routes to (cached briefly; unknown names for less time). */
  async function resolveHost(hostname: string): Promise<{ id: string; subdomain: string } | null> {
    const hit = hosts.get(hostname);
    if (hit && hit.until > Date.now()) return hit.route;
    const [row] = await db
      .select({ id: instances.id, subdomain: instances.subdomain })
      .from(customDomains)
      .innerJoin(instances, eq(instances.id, customDomains.instanceId))
      .where(and(eq(customDomains.hostname, hostname), eq(customDomains.status, "verified")));
    const route = row ?? null;
    hosts.set(hostname, { route, until: Date.now() + (route ? 5_000 : 1_000) });
    return route;
  }

  return {
    start: recheck.start,
    stop: recheck.stop,
    checkDue,

    async list(instanceId: string): Promise<DomainJson[]> {
      const instance = await deps.store.get(instanceId);
      return (await rowsOf(instanceId)).map((d) => toJson(d, instance.subdomain));
    },

    /** Adds a domain (pending until its records are found) and checks it at once. */
    async add(instanceId: string, raw: string): Promise<DomainJson> {
      const instance = await deps.store.get(instanceId);
      const hostname = normalizeHostname(raw);
      const problem = customDomainProblem(hostname, deps.baseDomain);
      if (problem) throw new UnprocessableError(problem, { formErrors: [], fieldErrors: { hostname: [problem] } });
      const [owned] = await db
        .select({ n: count() })
        .from(customDomains)
        .innerJoin(instances, eq(instances.id, customDomains.instanceId))
        .where(eq(instances.ownerId, instance.ownerId));
      if ((owned?.n ?? 0) >= deps.perUserLimit) {
        throw new AppError(403, "domain_limit", `You have reached your limit of ${deps.perUserLimit} custom domains. Remove one to add another.`, {
          details: { limit: deps.perUserLimit },
        });
      }
      const existing = await rowsOf(instanceId);
      const row = {
        id: randomUUID(),
        instanceId,
        hostname,
        verifyToken: randomBytes(16).toString("hex"),
        isPrimary: existing.length === 0,
        createdAt: now(),
      };
      const [verified] = await db
        .select({ instanceId: customDomains.instanceId })
        .from(customDomains)
        .where(and(eq(customDomains.hostname, hostname), eq(customDomains.status, "verified")));
      if (verified && verified.instanceId !== instanceId) throw new ConflictError("This domain is already in use by another instance.");
      try {
        await db.insert(customDomains).values(row);
      } catch (err) {
        if (isUniqueViolation(err)) throw new ConflictError("This domain is already added to this instance.");
        throw err;
      }
      const [created] = await db.select().from(customDomains).where(eq(customDomains.id, row.id));
      if (!created) throw new NotFoundError("Domain not found.");
      if ((await checkOne(created, instance)) && created.isPrimary) await deps.onAppUrlChange(instanceId);
      return toJson(await domainOf(instanceId, row.id), instance.subdomain);
    },

    async remove(instanceId: string, domainId: string): Promise<void> {
      const domain = await domainOf(instanceId, domainId);
      await db.delete(customDomains).where(eq(customDomains.id, domainId));
      hosts.delete(domain.hostname);
      if (domain.isPrimary) {
        const [next] = await rowsOf(instanceId);
        if (next) await db.update(customDomains).set({ isPrimary: true }).where(eq(customDomains.id, next.id));
        await deps.onAppUrlChange(instanceId);
      }
    },

    async setPrimary(instanceId: string, domainId: string): Promise<void> {
      await domainOf(instanceId, domainId);
      await db.batch([
        db.update(customDomains).set({ isPrimary: false }).where(eq(customDomains.instanceId, instanceId)),
        db.update(customDomains).set({ isPrimary: true }).where(eq(customDomains.id, domainId)),
      ]);
      await deps.onAppUrlChange(instanceId);
    },

    check: checkInstance,

    resolveHost,

    /**
     * Whether a certificate may be obtained for `host` (Caddy's on-demand TLS): an existing
     * instance's `<subdomain>.<base>` or a verified custom domain; nothing else.
     */
    async approves(host: string): Promise<boolean> {
      const name = hostName(host);
      if (name === null) return false;
      const subdomain = parseHost(name);
      if (subdomain !== null) return (await deps.resolveSubdomain(subdomain)) !== null;
      return (await resolveHost(name)) !== null;
    },

    /** The URL an instance's PocketBase should call itself: its primary verified domain, else its own. */
    async appUrlOf(instance: Pick<Instance, "id" | "subdomain">): Promise<string> {
      const [primary] = await db
        .select({ hostname: customDomains.hostname })
        .from(customDomains)
        .where(and(eq(customDomains.instanceId, instance.id), eq(customDomains.isPrimary, true), inArray(customDomains.status, ["verified"])));
      return primary ? customDomainUrl(primary.hostname, deps.publicUrl) : instanceUrl(instance.subdomain, deps.publicUrl);
    },
  };
}
