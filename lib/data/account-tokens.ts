import { and, desc, eq } from "drizzle-orm";
import { accountTokenFormat } from "../account-tokens";
import { bearerSecretView, type BearerSecretView } from "../bearer-secrets";
import type { Db } from "../db/client";
import { accountTokens } from "../db/schema";
import { NotFoundError } from "../errors";
import type { CreateAccountTokenInput } from "../validations/account-token";
import type { Actor } from "./context";

/** An account token as listed: never the secret or its hash. */
export type AccountTokenView = BearerSecretView;

/** The acting user's tokens, newest first (revoked ones included, marked). */
export async function listAccountTokens(db: Db, actor: Actor): Promise<AccountTokenView[]> {
  const rows = await db.query.accountTokens.findMany({ where: eq(accountTokens.userId, actor.id), orderBy: desc(accountTokens.createdAt) });
  return rows.map((t) => bearerSecretView(accountTokenFormat, t));
}

/** Creates a token for the acting user; the returned `token` is the only time the secret is ever available. */
export async function createAccountToken(db: Db, actor: Actor, input: CreateAccountTokenInput, now: Date): Promise<AccountTokenView & { token: string }> {
  const generated = accountTokenFormat.generate();
  await db.insert(accountTokens).values({ id: generated.id, userId: actor.id, name: input.name, tokenHash: generated.hash, createdAt: now });
  return {
    ...bearerSecretView(accountTokenFormat, { id: generated.id, name: input.name, createdAt: now, lastUsedAt: null, revokedAt: null }),
    token: generated.secret,
  };
}

/** Revokes one of the acting user's tokens (it stops working at once); another user's or unknown token is NotFound. */
export async function revokeAccountToken(db: Db, actor: Actor, tokenId: string, now: Date): Promise<void> {
  const token = await db.query.accountTokens.findFirst({ where: and(eq(accountTokens.id, tokenId), eq(accountTokens.userId, actor.id)) });
  if (!token) throw new NotFoundError("Token not found.");
  if (token.revokedAt) return;
  await db.update(accountTokens).set({ revokedAt: now }).where(eq(accountTokens.id, tokenId));
}
