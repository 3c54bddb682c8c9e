import { randomBytes } from "node:crypto";
import { and, eq, gt, lt } from "drizzle-orm";
import type { Db } from "../db/client";
import { sessions, users } from "../db/schema";
import type { Actor } from "./context";

/** Records a session for a user who has just proved their password; returns its id (kept in the JWT). */
export async function startSession(db: Db, userId: string, now: Date, maxAgeMs: number): Promise<string> {
  const id = randomBytes(18).toString("base64url");
  // Expired rows are dead weight; each sign-in sweeps its own user's.
  await db.delete(sessions).where(and(eq(sessions.userId, userId), lt(sessions.expiresAt, now)));
  await db.insert(sessions).values({ id, userId, createdAt: now, expiresAt: new Date(now.getTime() + maxAgeMs) });
  return id;
}

/** The user of a live session (current name and email), or null once it was ended or expired. */
export async function sessionUser(db: Db, sessionId: string, userId: string, now: Date): Promise<Actor | null> {
  const [row] = await db
    .select({ id: users.id, name: users.name, email: users.email })
    .from(sessions)
    .innerJoin(users, eq(users.id, sessions.userId))
    .where(and(eq(sessions.id, sessionId), eq(sessions.userId, userId), gt(sessions.expiresAt, now)));
  return row ?? null;
}

/** Ends one session (sign-out): its cookie, and any copy of it, stops working. */
export async function endSession(db: Db, sessionId: string): Promise<void> {
  await db.delete(sessions).where(eq(sessions.id, sessionId));
}
