import { eq, inArray } from "drizzle-orm";
import { parseApiKey, verifyApiKey } from "../../lib/api-keys";
import type { Db } from "../../lib/db/client";
import { apiKeys } from "../../lib/db/schema";
import type { Logger } from "../logger";

type KeyEntry = { instanceId: string; keyHash: string; revoked: boolean; checkedAt: number } | { missing: true; checkedAt: number };

/**
 * Instance API keys at the gateway. Key rows are cached for `recheckMs` (so a revoked key is
 * refused within that time) and last-used times are written in one batch every `flushEveryMs`,
 * never once per request.
 */
export function createApiKeyAuth(deps: { db: Db; log: Logger; recheckMs?: number; flushEveryMs?: number; now?: () => number }) {
  const { db, log } = deps;
  const now = deps.now ?? Date.now;
  const recheckMs = deps.recheckMs ?? 2_000;
  const cache = new Map<string, KeyEntry>();
  const used = new Map<string, number>();
  let timer: NodeJS.Timeout | undefined;

  async function entry(id: string): Promise<KeyEntry> {
    const hit = cache.get(id);
    if (hit && now() - hit.checkedAt < recheckMs) return hit;
    const [row] = await db.select().from(apiKeys).where(eq(apiKeys.id, id));
    const fresh: KeyEntry = row
      ? { instanceId: row.instanceId, keyHash: row.keyHash, revoked: row.revokedAt !== null, checkedAt: now() }
      : { missing: true, checkedAt: now() };
    cache.set(id, fresh);
    return fresh;
  }

  async function flush(): Promise<void> {
    if (used.size === 0) return;
    const batch = [...used];
    used.clear();
    const byTime = new Map<number, string[]>();
    for (const [id, at] of batch) byTime.set(at, [...(byTime.get(at) ?? []), id]);
    for (const [at, ids] of byTime) await db.update(apiKeys).set({ lastUsedAt: new Date(at) }).where(inArray(apiKeys.id, ids));
  }

  return {
    /** Whether `key` is a live key of `instanceId`; records the use for the next flush. */
    async verify(instanceId: string, key: string): Promise<boolean> {
      const parsed = parseApiKey(key);
      if (!parsed) return false;
      const e = await entry(parsed.id);
      if ("missing" in e || e.revoked || e.instanceId !== instanceId || !verifyApiKey(key, e.keyHash)) return false;
      used.set(parsed.id, now());
      return true;
    },
    flush,
    start(): void {
      timer = setInterval(() => {
        flush().catch((err) => log.warn({ err }, "recording API key use failed"));
      }, deps.flushEveryMs ?? 30_000);
      timer.unref();
    },
    async stop(): Promise<void> {
      clearInterval(timer);
      await flush();
    },
  };
}

export type ApiKeyAuth = ReturnType<typeof createApiKeyAuth>;
