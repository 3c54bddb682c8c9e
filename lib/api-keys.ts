import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { and, eq, isNull } from "drizzle-orm";
import type { Db } from "./db/client";
import { apiKeys } from "./db/schema";

/** How stale `lastUsedAt` may get before a use is written again. */
export const lastUsedResolutionMs = 60_000;

/** Instance API keys: `pbk_<id>_<secret>`, 12-char public id, 32 random bytes of secret. */
const keyPattern = /^pbk_([A-Za-z0-9_-]{12})_([A-Za-z0-9_-]{43})$/;

/** A freshly generated key; `key` is shown to the user once and never stored. */
export type GeneratedApiKey = { id: string; key: string; keyHash: string; prefix: string };

/** SHA-256 hex of the whole key (a fast hash suits 256-bit random secrets). */
export function hashApiKey(key: string): string {
  return createHash("sha256").update(key).digest("hex");
}

/** The visible, non-secret part of a key, used in listings. */
export function apiKeyPrefix(id: string): string {
  return `pbk_${id}`;
}

/** Creates a new random key with its lookup id and stored hash. */
export function generateApiKey(): GeneratedApiKey {
  const id = randomBytes(9).toString("base64url");
  const key = `pbk_${id}_${randomBytes(32).toString("base64url")}`;
  return { id, key, keyHash: hashApiKey(key), prefix: apiKeyPrefix(id) };
}

/** Extracts the lookup id from a well-formed key, or null when the string is not a key. */
export function parseApiKey(key: string): { id: string } | null {
  const match = keyPattern.exec(key);
  return match?.[1] ? { id: match[1] } : null;
}

/** Constant-time comparison of a presented key against a stored hash. */
export function verifyApiKey(key: string, storedHash: string): boolean {
  const presented = Buffer.from(hashApiKey(key), "hex");
  const stored = Buffer.from(storedHash, "hex");
  return presented.length === stored.length && timingSafeEqual(presented, stored);
}

/**
 * Reads `Authorization: Bearer pbk_...`, or a bare `pbk_...` (the PocketBase SDK sends its auth
 * token without a scheme); null when the header carries no API key.
 */
export function apiKeyFromAuthorization(header: string | null | undefined): string | null {
  const match = /^(?:Bearer\s+)?(\S+)$/i.exec(header?.trim() ?? "");
  const token = match?.[1];
  return token && token.startsWith("pbk_") ? token : null;
}

/**
 * Looks a presented key up and checks it: returns the instance it belongs to (and records the
 * use, at most once a minute) or null for unknown, malformed, wrong or revoked keys. Shared by web and gateway.
 */
export async function authenticateApiKey(db: Db, key: string, now: Date): Promise<{ keyId: string; instanceId: string } | null> {
  const parsed = parseApiKey(key);
  if (!parsed) return null;
  const row = await db.query.apiKeys.findFirst({ where: and(eq(apiKeys.id, parsed.id), isNull(apiKeys.revokedAt)) });
  if (!row || !verifyApiKey(key, row.keyHash)) return null;
  // Last use is shown to the minute; writing it on every request would serialize hot paths.
  if (!row.lastUsedAt || now.getTime() - row.lastUsedAt.getTime() >= lastUsedResolutionMs) {
    await db.update(apiKeys).set({ lastUsedAt: now }).where(eq(apiKeys.id, row.id));
  }
  return { keyId: row.id, instanceId: row.instanceId };
}
