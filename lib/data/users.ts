import { randomUUID } from "node:crypto";
import { and, eq, isNull } from "drizzle-orm";
import type { Db } from "../db/client";
import { accountTokens, sessions, users } from "../db/schema";
import { ConflictError, UnprocessableError } from "../errors";
import { hashPassword, verifyPassword } from "../auth/password";
import { resetPasswordSchema, type ChangePasswordInput, type ResetPasswordInput, type SignupInput } from "../validations/auth";
import type { Actor } from "./context";
import { checkEmailToken, consumeEmailToken, linkError, spendAllEmailTokens } from "./email-tokens";

/** A user as the mail flows need them: who to write to, and whether the address is verified. */
export type MailRecipient = Actor & { emailVerified: boolean };

/** Registers a user; a taken email is a ConflictError. */
export async function createUser(db: Db, input: SignupInput): Promise<Actor> {
  const existing = await db.query.users.findFirst({ where: eq(users.email, input.email) });
  if (existing) throw new ConflictError("An account with this email already exists. Sign in instead.");
  const user = { id: randomUUID(), name: input.name, email: input.email, passwordHash: await hashPassword(input.password) };
  try {
    await db.insert(users).values(user);
  } catch (err) {
    // Two sign-ups racing for one email: the unique index decides, report it like the check above.
    if (String((err as Error).cause ?? err).includes("UNIQUE")) {
      throw new ConflictError("An account with this email already exists. Sign in instead.");
    }
    throw err;
  }
  return { id: user.id, name: user.name, email: user.email };
}

/** Checks an email and password; returns the user or null (never says which part was wrong). */
export async function verifyCredentials(db: Db, email: string, password: string): Promise<MailRecipient | null> {
  const user = await db.query.users.findFirst({ where: eq(users.email, email) });
  if (!user) {
    // Hash anyway so response time does not reveal whether the email is registered.
    await verifyPassword(password, "$2b$10$0H6pIUEgszIKrVOx6N0zsujyKayEq/oIg7azkSJOWE6PRj81gkxki");
    return null;
  }
  if (!(await verifyPassword(password, user.passwordHash))) return null;
  return recipientOf(user);
}

/** The account registered with `email`, if any (for mailing it a link). */
export async function findUserByEmail(db: Db, email: string): Promise<MailRecipient | undefined> {
  const user = await db.query.users.findFirst({ where: eq(users.email, email) });
  return user && recipientOf(user);
}

/** Whether the acting user has verified their email address. */
export function isEmailVerified(db: Db, actor: Actor): Promise<boolean> {
  return hasVerifiedEmail(db, actor.id);
}

async function hasVerifiedEmail(db: Db, userId: string): Promise<boolean> {
  const user = await db.query.users.findFirst({ where: eq(users.id, userId), columns: { emailVerifiedAt: true } });
  return Boolean(user?.emailVerifiedAt);
}

function recipientOf(user: typeof users.$inferSelect): MailRecipient {
  return { id: user.id, name: user.name, email: user.email, emailVerified: user.emailVerifiedAt !== null };
}

/**
 * Changes the acting user's password after checking the current one, and ends all of the user's
 * sessions in the same batch: whoever held one (a thief's copy included) must sign in again.
 */
export async function changePassword(db: Db, actor: Actor, input: ChangePasswordInput, now = new Date()): Promise<void> {
  const user = await db.query.users.findFirst({ where: eq(users.id, actor.id) });
  if (!user || !(await verifyPassword(input.currentPassword, user.passwordHash))) {
    throw new UnprocessableError("The current password is not correct.", {
      formErrors: [],
      fieldErrors: { currentPassword: ["The current password is not correct."] },
    });
  }
  await replacePassword(db, actor.id, await hashPassword(input.newPassword), now);
}

/**
 * Sets a new password through a mailed reset link: the link is spent first (exactly once, see
 * consumeEmailToken), then the password replaced as a change would. Receiving the link proves the
 * address, so it also counts as verifying it. Throws the link's error when it cannot be used.
 */
export async function resetPassword(db: Db, input: ResetPasswordInput, now: Date): Promise<void> {
  // A dead link is refused before any bcrypt work; for a live one the hash is ready before it is spent.
  const check = await checkEmailToken(db, "reset-password", input.token, now);
  if (!check.ok) throw linkError(check.failure);
  const passwordHash = await hashPassword(input.password);
  const link = await consumeEmailToken(db, "reset-password", input.token, now);
  if (!link.ok) throw linkError(link.failure);
  await replacePassword(db, link.userId, passwordHash, now, { recovery: true });
}

/** Why a reset link cannot be used (the message to show), or undefined while it can; it is not spent. */
export async function resetLinkProblem(db: Db, token: string, now: Date): Promise<string | undefined> {
  if (!resetPasswordSchema.shape.token.safeParse(token).success) return linkError("unknown").message;
  const check = await checkEmailToken(db, "reset-password", token, now);
  return check.ok ? undefined : linkError(check.failure).message;
}

/**
 * Marks the address of a verification link's user verified. A link that was used or expired is
 * not an error once the address is verified anyway (a second click, a mail scanner's visit).
 */
export async function verifyEmail(db: Db, token: string, now: Date): Promise<void> {
  const link = await consumeEmailToken(db, "verify-email", token, now);
  if (link.ok) {
    await db
      .update(users)
      .set({ emailVerifiedAt: now })
      .where(and(eq(users.id, link.userId), isNull(users.emailVerifiedAt)));
    return;
  }
  const verified = link.userId !== undefined && (await hasVerifiedEmail(db, link.userId));
  if (!verified) throw linkError(link.failure);
}

/**
 * Sets a new password hash and ends everything the old password let in, in one batch: every
 * session (whoever held one, a thief's copy included, must sign in again) and every unused reset link.
 * A `recovery` (a reset through a mailed link) also verifies the address and revokes every account
 * token: whoever had the account before (e.g. someone who signed up with this address before its
 * owner did) keeps no way in.
 */
async function replacePassword(db: Db, userId: string, passwordHash: string, now: Date, options: { recovery?: boolean } = {}): Promise<void> {
  await db.batch([
    db.update(users).set({ passwordHash }).where(eq(users.id, userId)),
    db.delete(sessions).where(eq(sessions.userId, userId)),
    spendAllEmailTokens(db, userId, "reset-password", now),
    ...(options.recovery
      ? [
          db
            .update(users)
            .set({ emailVerifiedAt: now })
            .where(and(eq(users.id, userId), isNull(users.emailVerifiedAt))),
          db
            .update(accountTokens)
            .set({ revokedAt: now })
            .where(and(eq(accountTokens.userId, userId), isNull(accountTokens.revokedAt))),
        ]
      : []),
  ]);
}
