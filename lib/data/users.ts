import { randomUUID } from "node:crypto";
import { eq } from "drizzle-orm";
import type { Db } from "../db/client";
import { sessions, users } from "../db/schema";
import { ConflictError, UnprocessableError } from "../errors";
import { hashPassword, verifyPassword } from "../auth/password";
import type { ChangePasswordInput, SignupInput } from "../validations/auth";
import type { Actor } from "./context";

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
export async function verifyCredentials(db: Db, email: string, password: string): Promise<Actor | null> {
  const user = await db.query.users.findFirst({ where: eq(users.email, email) });
  if (!user) {
    // Hash anyway so response time does not reveal whether the email is registered.
    await verifyPassword(password, "$2b$10$0H6pIUEgszIKrVOx6N0zsujyKayEq/oIg7azkSJOWE6PRj81gkxki");
    return null;
  }
  if (!(await verifyPassword(password, user.passwordHash))) return null;
  return { id: user.id, name: user.name, email: user.email };
}

/**
 * Changes the acting user's password after checking the current one, and ends all of the user's
 * sessions in the same batch: whoever held one (a thief's copy included) must sign in again.
 */
export async function changePassword(db: Db, actor: Actor, input: ChangePasswordInput): Promise<void> {
  const user = await db.query.users.findFirst({ where: eq(users.id, actor.id) });
  if (!user || !(await verifyPassword(input.currentPassword, user.passwordHash))) {
    throw new UnprocessableError("The current password is not correct.", {
      formErrors: [],
      fieldErrors: { currentPassword: ["The current password is not correct."] },
    });
  }
  const passwordHash = await hashPassword(input.newPassword);
  await db.batch([db.update(users).set({ passwordHash }).where(eq(users.id, actor.id)), db.delete(sessions).where(eq(sessions.userId, actor.id))]);
}
