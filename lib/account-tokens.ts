import { and, eq, isNull } from "drizzle-orm";
import { bearerSecretFormat, checkBearerSecret } from "./bearer-secrets";
import type { Db } from "./db/client";
import { accountTokens, users } from "./db/schema";

/** Personal access tokens: `pbt_<id>_<secret>` (lib/bearer-secrets.ts); they act as their user. */
export const accountTokenFormat = bearerSecretFormat("pbt");

/** The user a token acts as, with the token's id. */
export type TokenUser = { tokenId: string; user: { id: string; email: string; name: string } };

/**
 * Looks a presented token up and checks it: returns its user (and records the use, at most once
 * a minute) or null for unknown, malformed, wrong or revoked tokens.
 */
export async function authenticateAccountToken(db: Db, token: string, now: Date): Promise<TokenUser | null> {
  const row = await checkBearerSecret(
    accountTokenFormat,
    {
      findLive: async (id) => {
        const [found] = await db
          .select({
            id: accountTokens.id,
            hash: accountTokens.tokenHash,
            lastUsedAt: accountTokens.lastUsedAt,
            userId: users.id,
            email: users.email,
            name: users.name,
          })
          .from(accountTokens)
          .innerJoin(users, eq(users.id, accountTokens.userId))
          .where(and(eq(accountTokens.id, id), isNull(accountTokens.revokedAt)));
        return found;
      },
      recordUse: async (id, at) => {
        await db.update(accountTokens).set({ lastUsedAt: at }).where(eq(accountTokens.id, id));
      },
    },
    token,
    now,
  );
  return row && { tokenId: row.id, user: { id: row.userId, email: row.email, name: row.name } };
}
