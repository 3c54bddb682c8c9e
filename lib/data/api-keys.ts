import { and, desc, eq } from "drizzle-orm";
import { apiKeyFormat, generateApiKey } from "../api-keys";
import { bearerSecretView, type BearerSecretView } from "../bearer-secrets";
import type { Db } from "../db/client";
import { apiKeys } from "../db/schema";
import { NotFoundError } from "../errors";
import type { CreateApiKeyInput } from "../validations/api-key";
import type { Actor } from "./context";
import { getInstance } from "./instances";

/** An API key as listed: never the secret or its hash. */
export type ApiKeyView = BearerSecretView;

/** The keys of one of the acting user's instances, newest first (revoked ones included, marked). */
export async function listApiKeys(db: Db, actor: Actor, instanceId: string): Promise<ApiKeyView[]> {
  await getInstance(db, actor, instanceId);
  const rows = await db.query.apiKeys.findMany({ where: eq(apiKeys.instanceId, instanceId), orderBy: desc(apiKeys.createdAt) });
  return rows.map((k) => bearerSecretView(apiKeyFormat, k));
}

/** Creates a key; the returned `key` is the only time the secret is ever available. */
export async function createApiKey(db: Db, actor: Actor, instanceId: string, input: CreateApiKeyInput, now: Date): Promise<ApiKeyView & { key: string }> {
  await getInstance(db, actor, instanceId);
  const generated = generateApiKey();
  await db.insert(apiKeys).values({ id: generated.id, instanceId, name: input.name, keyHash: generated.keyHash, createdAt: now });
  return { ...bearerSecretView(apiKeyFormat, { id: generated.id, name: input.name, createdAt: now, lastUsedAt: null, revokedAt: null }), key: generated.key };
}

/** Revokes a key of one of the acting user's instances; unknown or foreign keys are NotFound. */
export async function revokeApiKey(db: Db, actor: Actor, instanceId: string, keyId: string, now: Date): Promise<void> {
  await getInstance(db, actor, instanceId);
  const key = await db.query.apiKeys.findFirst({ where: and(eq(apiKeys.id, keyId), eq(apiKeys.instanceId, instanceId)) });
  if (!key) throw new NotFoundError("API key not found.");
  if (key.revokedAt) return;
  await db.update(apiKeys).set({ revokedAt: now }).where(eq(apiKeys.id, keyId));
}
