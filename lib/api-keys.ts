import { and, eq, isNull } from "drizzle-orm";
import { bearerSecretFormat, checkBearerSecret, hashBearerSecret, verifyBearerSecret } from "./bearer-secrets";
import type { Db } from "./db/client";
import { apiKeys } from "./db/schema";

/** Instance API keys: `pbk_<id>_<secret>` (lib/bearer-secrets.ts), shared by the web and the gateway. */
export const apiKeyFormat = bearerSecretFormat("pbk");

/** A freshly generated key; `key` is shown to the user once and never stored. */
export type GeneratedApiKey = { id: string; key: string; keyHash: string; prefix: string };

/** SHA-256 hex of the whole key. */
export const hashApiKey = hashBearerSecret;

/** Constant-time comparison of a presented key against a stored hash. */
export const verifyApiKey = verifyBearerSecret;

/** The visible, non-secret part of a key, used in listings. */
export function apiKeyPrefix(id: string): string {
  return apiKeyFormat.prefixOf(id);
}

/** Creates a new random key with its lookup id and stored hash. */
export function generateApiKey(): GeneratedApiKey {
  const { id, secret, hash, prefix } = apiKeyFormat.generate();
  return { id, key: secret, keyHash: hash, prefix };
}

/** Extracts the lookup id from a well-formed key, or null when the string is not a key. */
export function parseApiKey(key: string): { id: string } | null {
  return apiKeyFormat.parse(key);
}

/** Reads `Authorization: Bearer pbk_...` or a bare `pbk_...`; null when the header carries no API key. */
export function apiKeyFromAuthorization(header: string | null | undefined): string | null {
  return apiKeyFormat.fromAuthorization(header);
}

/**
 * Looks a presented key up and checks it: returns the instance it belongs to (and records the
 * use, at most once a minute) or null for unknown, malformed, wrong or revoked keys.
 */
export async function authenticateApiKey(db: Db, key: string, now: Date): Promise<{ keyId: string; instanceId: string } | null> {
  const row = await checkBearerSecret(
    apiKeyFormat,
    {
      findLive: async (id) => {
        const found = await db.query.apiKeys.findFirst({ where: and(eq(apiKeys.id, id), isNull(apiKeys.revokedAt)) });
        return found && { ...found, hash: found.keyHash };
      },
      recordUse: async (id, at) => {
        await db.update(apiKeys).set({ lastUsedAt: at }).where(eq(apiKeys.id, id));
      },
    },
    key,
    now,
  );
  return row && { keyId: row.id, instanceId: row.instanceId };
}
