import { randomUUID } from "node:crypto";
import { and, eq, gt, isNotNull, isNull, lt, or } from "drizzle-orm";
import type { Db } from "../db/client";
import { emailTokens, type EmailTokenPurpose } from "../db/schema";
import { UnprocessableError } from "../errors";
import { hashLinkToken, linkState, newLinkToken, type LinkState } from "../mail/links";

/** Why a link could not be used: unknown (never issued, or for something else), used, or expired. */
export type LinkFailure = "unknown" | Exclude<LinkState, "valid">;

/** The outcome of spending a link: its user, or why not (with the user when the link was a real one). */
export type ConsumeResult = { ok: true; userId: string } | { ok: false; failure: LinkFailure; userId?: string };

/** Stores a new single-use link for `purpose` (only the secret's hash) and returns the secret to mail. */
export async function issueEmailToken(db: Db, userId: string, purpose: EmailTokenPurpose, validForMs: number, now: Date): Promise<string> {
  const { secret, hash } = newLinkToken();
  // Spent and expired rows are dead weight; each new link sweeps its own user's.
  await db.delete(emailTokens).where(and(eq(emailTokens.userId, userId), or(isNotNull(emailTokens.usedAt), lt(emailTokens.expiresAt, now))));
  await db.insert(emailTokens).values({ id: randomUUID(), userId, purpose, tokenHash: hash, createdAt: now, expiresAt: new Date(now.getTime() + validForMs) });
  return secret;
}

/** What a link would do if used now, without spending it (to skip costly work for a dead link). */
export async function checkEmailToken(db: Db, purpose: EmailTokenPurpose, secret: string, now: Date): Promise<ConsumeResult> {
  const [row] = await db
    .select()
    .from(emailTokens)
    .where(and(eq(emailTokens.tokenHash, hashLinkToken(secret)), eq(emailTokens.purpose, purpose)));
  if (!row) return { ok: false, failure: "unknown" };
  const state = linkState(row, now);
  return state === "valid" ? { ok: true, userId: row.userId } : { ok: false, failure: state, userId: row.userId };
}

/**
 * Spends a link: one conditional UPDATE marks it used only if it is unused and unexpired, so of
 * two concurrent uses exactly one gets the row back. The link is found by its hash.
 */
export async function consumeEmailToken(db: Db, purpose: EmailTokenPurpose, secret: string, now: Date): Promise<ConsumeResult> {
  const [spent] = await db
    .update(emailTokens)
    .set({ usedAt: now })
    .where(and(eq(emailTokens.tokenHash, hashLinkToken(secret)), eq(emailTokens.purpose, purpose), isNull(emailTokens.usedAt), gt(emailTokens.expiresAt, now)))
    .returning({ userId: emailTokens.userId });
  if (spent) return { ok: true, userId: spent.userId };
  const why = await checkEmailToken(db, purpose, secret, now);
  // Valid by now means another request spent it between the two statements.
  return why.ok ? { ok: false, failure: "used", userId: why.userId } : why;
}

/** Marks every unused link of `purpose` of the user as used (e.g. other reset links once the password changed). */
export function spendAllEmailTokens(db: Db, userId: string, purpose: EmailTokenPurpose, now: Date) {
  return db
    .update(emailTokens)
    .set({ usedAt: now })
    .where(and(eq(emailTokens.userId, userId), eq(emailTokens.purpose, purpose), isNull(emailTokens.usedAt)));
}

const failureMessages: Record<LinkFailure, [code: string, message: string]> = {
  unknown: ["invalid_link", "This link is not valid. Copy the whole link from the mail, or ask for a new one."],
  used: ["link_used", "This link has already been used. Ask for a new one."],
  expired: ["link_expired", "This link has expired. Ask for a new one."],
};

/** The user-facing error for a link that could not be used (422 with code invalid_link, link_used or link_expired). */
export function linkError(failure: LinkFailure): UnprocessableError {
  const [code, message] = failureMessages[failure];
  return new UnprocessableError(message, undefined, code);
}
