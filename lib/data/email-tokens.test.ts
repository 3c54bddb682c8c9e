import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { verifyPassword } from "../auth/password";
import type { Db } from "../db/client";
import { openTempDb, type TempDb } from "../db/temp-db";
import { emailTokens, sessions, users } from "../db/schema";
import { hashLinkToken } from "../mail/links";
import { consumeEmailToken, issueEmailToken } from "./email-tokens";
import { resetPassword, resetLinkProblem, verifyEmail } from "./users";

describe("mailed links (real libSQL file DB)", () => {
  let temp: TempDb;
  const now = new Date("2030-01-01T12:00:00Z");
  const hour = 3_600_000;
  const later = (ms: number) => new Date(now.getTime() + ms);
  let db: Db;
  let n = 0;

  async function newUser(): Promise<string> {
    const id = `u${++n}`;
    await db.insert(users).values({ id, name: "U", email: `${id}@example.com`, passwordHash: "x" });
    return id;
  }
  const userRow = async (id: string) => (await db.select().from(users).where(eq(users.id, id)))[0];

  beforeAll(async () => {
    temp = await openTempDb("picobase-email-tokens-");
    db = temp.db;
  });
  afterAll(() => {
    temp.dispose();
  });

  it("stores only the hash and spends a link exactly once, even when used twice at the same moment", async () => {
    const userId = await newUser();
    const secret = await issueEmailToken(db, userId, "reset-password", hour, now);
    const rows = await db.select().from(emailTokens).where(eq(emailTokens.userId, userId));
    expect(rows).toEqual([expect.objectContaining({ tokenHash: hashLinkToken(secret), purpose: "reset-password", usedAt: null })]);
    expect(JSON.stringify(rows)).not.toContain(secret);
    const results = await Promise.all(Array.from({ length: 5 }, () => consumeEmailToken(db, "reset-password", secret, now)));
    expect(results.filter((r) => r.ok)).toEqual([{ ok: true, userId }]);
    expect(results.filter((r) => !r.ok)).toEqual(Array(4).fill({ ok: false, failure: "used", userId }));
  });

  it("tells expired, unknown and other-purpose links apart", async () => {
    const userId = await newUser();
    const secret = await issueEmailToken(db, userId, "reset-password", hour, now);
    expect(await consumeEmailToken(db, "reset-password", secret, later(hour))).toEqual({ ok: false, failure: "expired", userId });
    expect(await consumeEmailToken(db, "verify-email", secret, now)).toEqual({ ok: false, failure: "unknown" });
    expect(await consumeEmailToken(db, "reset-password", "x".repeat(43), now)).toEqual({ ok: false, failure: "unknown" });
  });

  it("a reset sets the password, ends every session, spends the other reset links and verifies the address", async () => {
    const userId = await newUser();
    await db.insert(sessions).values([
      { id: `${userId}-s1`, userId, createdAt: now, expiresAt: later(hour) },
      { id: `${userId}-s2`, userId, createdAt: now, expiresAt: later(hour) },
    ]);
    const first = await issueEmailToken(db, userId, "reset-password", hour, now);
    const second = await issueEmailToken(db, userId, "reset-password", hour, now);
    expect(await resetLinkProblem(db, first, now)).toBeUndefined();
    await resetPassword(db, { token: first, password: "a-brand-new-password" }, now);
    const user = await userRow(userId);
    expect(await verifyPassword("a-brand-new-password", user?.passwordHash ?? "")).toBe(true);
    expect(user?.emailVerifiedAt).toEqual(now);
    expect(await db.select().from(sessions).where(eq(sessions.userId, userId))).toEqual([]);
    await expect(resetPassword(db, { token: first, password: "another-password" }, now)).rejects.toMatchObject({ status: 422, code: "link_used" });
    await expect(resetPassword(db, { token: second, password: "another-password" }, now)).rejects.toMatchObject({ code: "link_used" });
    expect(await resetLinkProblem(db, second, now)).toMatch(/already been used/);
    expect(await resetLinkProblem(db, "not-a-token", now)).toMatch(/not valid/);
  });

  it("an expired reset link changes nothing", async () => {
    const userId = await newUser();
    const secret = await issueEmailToken(db, userId, "reset-password", hour, now);
    await expect(resetPassword(db, { token: secret, password: "too-late-password" }, later(2 * hour))).rejects.toMatchObject({ code: "link_expired" });
    expect((await userRow(userId))?.passwordHash).toBe("x");
  });

  it("verification marks the address once; clicking the link again is fine, a dead link of an unverified address is not", async () => {
    const userId = await newUser();
    const secret = await issueEmailToken(db, userId, "verify-email", 24 * hour, now);
    await verifyEmail(db, secret, now);
    expect((await userRow(userId))?.emailVerifiedAt).toEqual(now);
    await verifyEmail(db, secret, later(hour)); // used, but the address is verified: no error
    expect((await userRow(userId))?.emailVerifiedAt).toEqual(now);

    const other = await newUser();
    const expired = await issueEmailToken(db, other, "verify-email", hour, now);
    await expect(verifyEmail(db, expired, later(2 * hour))).rejects.toMatchObject({ code: "link_expired" });
    await expect(verifyEmail(db, "y".repeat(43), now)).rejects.toMatchObject({ code: "invalid_link" });
  });

  it("issuing a link sweeps the user's spent and expired ones", async () => {
    const userId = await newUser();
    const spent = await issueEmailToken(db, userId, "verify-email", hour, now);
    await consumeEmailToken(db, "verify-email", spent, now);
    await issueEmailToken(db, userId, "reset-password", hour, now);
    await issueEmailToken(db, userId, "verify-email", hour, later(2 * hour));
    const left = await db.select().from(emailTokens).where(eq(emailTokens.userId, userId));
    expect(left.map((r) => r.purpose)).toEqual(["verify-email"]);
  });
});
