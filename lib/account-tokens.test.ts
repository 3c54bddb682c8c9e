import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { authenticateAccountToken } from "./account-tokens";
import { generateApiKey } from "./api-keys";
import type { Db } from "./db/client";
import { openTempDb, type TempDb } from "./db/temp-db";
import { accountTokens, users } from "./db/schema";
import { createAccountToken, listAccountTokens, revokeAccountToken } from "./data/account-tokens";
import { NotFoundError } from "./errors";

describe("account tokens (real libSQL file DB)", () => {
  const ada = { id: "u1", name: "Ada", email: "ada@example.com" };
  const bob = { id: "u2", name: "Bob", email: "bob@example.com" };
  const now = new Date("2030-01-01T00:00:00Z");
  let temp: TempDb;
  let db: Db;

  beforeAll(async () => {
    temp = await openTempDb("picobase-tokens-");
    db = temp.db;
    await db.insert(users).values([
      { ...ada, passwordHash: "x" },
      { ...bob, passwordHash: "x" },
    ]);
  });
  afterAll(() => temp?.dispose());

  it("creates a token shown once, stores only its hash, and authenticates it as its user", async () => {
    const created = await createAccountToken(db, ada, { name: "laptop" }, now);
    expect(created.token).toMatch(/^pbt_[A-Za-z0-9_-]{12}_[A-Za-z0-9_-]{43}$/);
    expect(created).toMatchObject({ name: "laptop", prefix: `pbt_${created.id}`, lastUsedAt: null, revokedAt: null });
    const [row] = await db.select().from(accountTokens);
    expect(JSON.stringify(row)).not.toContain(created.token.slice(-43));
    expect(await authenticateAccountToken(db, created.token, now)).toEqual({ tokenId: created.id, user: ada });
    expect(JSON.stringify(await listAccountTokens(db, ada))).not.toContain(created.token.slice(-43));
    expect((await listAccountTokens(db, ada))[0]?.lastUsedAt).toBe(now.toISOString());
  });

  it("lists and revokes only the acting user's tokens; a revoked token stops at once", async () => {
    const created = await createAccountToken(db, ada, { name: "ci" }, now);
    expect(await listAccountTokens(db, bob)).toEqual([]);
    await expect(revokeAccountToken(db, bob, created.id, now)).rejects.toBeInstanceOf(NotFoundError);
    expect(await authenticateAccountToken(db, created.token, now)).not.toBeNull();
    await revokeAccountToken(db, ada, created.id, now);
    await revokeAccountToken(db, ada, created.id, now); // idempotent
    expect(await authenticateAccountToken(db, created.token, now)).toBeNull();
    expect((await listAccountTokens(db, ada)).find((t) => t.id === created.id)?.revokedAt).toBe(now.toISOString());
  });

  it("refuses forged, unknown and API-key-shaped secrets", async () => {
    const created = await createAccountToken(db, ada, { name: "x" }, now);
    const forged = `pbt_${created.id}_${"A".repeat(43)}`;
    for (const presented of [forged, `pbt_${"a".repeat(12)}_${"b".repeat(43)}`, generateApiKey().key, "pbt_nonsense"]) {
      expect(await authenticateAccountToken(db, presented, now)).toBeNull();
    }
  });
});
