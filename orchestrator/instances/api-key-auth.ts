import { eq, inArray } from "drizzle-orm";
import { LRUCache } from "lru-cache";
import { parseApiKey, verifyApiKey } from "../../lib/api-keys";
import type { Db } from "../../lib/db/client";
import { apiKeys } from "../../lib/db/schema";
import type { Logger } from "../logger";
import { createPeriodicTask } from "../tools/periodic-task";

type KeyEntry = { instanceId: string; keyHash: string; revoked: boolean } | { missing: true };

/** What a presented key is: live for the instance, a real key of it that was revoked, or nothing. */
export type KeyVerdict = "valid" | "revoked" | "invalid";

/** Key rows kept at once: far more than live keys, small enough (~a few MB) that random keys cost nothing. */
const DEFAULT_MAX_CACHED = 10_000;

/**
 * Instance API keys at the gateway. Key rows, and "no such key" answers, are cached in a bounded
 * LRU for `recheckMs` (so a revoked key is refused within that time, and random well-formed keys
 * cannot grow memory); last-used times are written in one batch every `flushEveryMs`.
 */
export function createApiKeyAuth(deps: { db: Db; log: Logger; recheckMs?: number; flushEveryMs?: number; maxCached?: number; now?: () => number }) {
  const { db, log } = deps;
  const now = deps.now ?? Date.now;
  const cache = new LRUCache<string, KeyEntry>({
    max: deps.maxCached ?? DEFAULT_MAX_CACHED,
    ttl: deps.recheckMs ?? 2_000,
    perf: { now },
    // Read the clock on every check (lru-cache otherwise reuses one reading for a millisecond via a timer).
    ttlResolution: 0,
  });
  const used = new Map<string, number>();

  async function entry(id: string): Promise<KeyEntry> {
    const hit = cache.get(id);
    if (hit) return hit;
    const [row] = await db.select().from(apiKeys).where(eq(apiKeys.id, id));
    const fresh: KeyEntry = row ? { instanceId: row.instanceId, keyHash: row.keyHash, revoked: row.revokedAt !== null } : { missing: true };
    cache.set(id, fresh);
    return fresh;
  }

  async function flush(): Promise<void> {
    if (used.size === 0) return;
    const batch = [...used];
    used.clear();
    const byTime = new Map<number, string[]>();
    for (const [id, at] of batch) byTime.set(at, [...(byTime.get(at) ?? []), id]);
    for (const [at, ids] of byTime)
      await db
        .update(apiKeys)
        .set({ lastUsedAt: new Date(at) })
        .where(inArray(apiKeys.id, ids));
  }

  const flusher = createPeriodicTask({
    intervalMs: deps.flushEveryMs ?? 30_000,
    run: flush,
    onError: (err) => log.warn({ err }, "recording API key use failed"),
  });

  return {
    /** Checks `key` against `instanceId`; a valid use is recorded for the next flush. */
    async verify(instanceId: string, key: string): Promise<KeyVerdict> {
      const parsed = parseApiKey(key);
      if (!parsed) return "invalid";
      const e = await entry(parsed.id);
      if ("missing" in e || e.instanceId !== instanceId || !verifyApiKey(key, e.keyHash)) return "invalid";
      if (e.revoked) return "revoked";
      used.set(parsed.id, now());
      return "valid";
    },
    flush,
    /** Key rows cached right now (bounded by `maxCached`). */
    cachedKeys: () => cache.size,
    start: flusher.start,
    /** Ends the loop, then writes what is still pending. */
    async stop(): Promise<void> {
      await flusher.stop();
      await flush();
    },
  };
}

export type ApiKeyAuth = ReturnType<typeof createApiKeyAuth>;
