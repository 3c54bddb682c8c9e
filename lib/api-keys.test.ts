import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiKeyFromAuthorization, authenticateApiKey, generateApiKey, hashApiKey, parseApiKey, verifyApiKey } from "./api-keys";
import type { Db } from "./db/client";
import { openTempDb, type TempDb } from "./db/temp-db";
import { apiKeys, instances, users } from "./db/schema";

describe("api key format", () => {
  it("generates pbk_<12-char id>_<43-char secret> with a matching hash", () => {
    const k = generateApiKey();
    expect(k.key).toMatch(/^pbk_[A-Za-z0-9_-]{12}_[A-Za-z0-9_-]{43}$/);
    expect(k.prefix).toBe(`pbk_${k.id}`);
    expect(k.keyHash).toBe(hashApiKey(k.key));
    expect(k.keyHash).toMatch(/^[0-9a-f]{64}$/);
    expect(parseApiKey(k.key)).toEqual({ id: k.id });
  });

  it("never repeats ids or secrets", () => {
    const keys = new Set(Array.from({ length: 200 }, () => generateApiKey().key));
    expect(keys.size).toBe(200);
  });

  it.each([
    "",
    "pbk_",
    "pbk_short_secret",
    "xyz_abcdefghijkl_" + "a".repeat(43),
    "pbk_abcdefghijkl_" + "a".repeat(42),
    "pbk_abcdefghijkl_" + "a".repeat(43) + "x",
  ])("rejects malformed key %j", (s) => expect(parseApiKey(s)).toBeNull());

  it("verifies only the exact key", () => {
    const k = generateApiKey();
    expect(verifyApiKey(k.key, k.keyHash)).toBe(true);
    expect(verifyApiKey(`${k.key.slice(0, -1)}${k.key.endsWith("A") ? "B" : "A"}`, k.keyHash)).toBe(false);
    expect(verifyApiKey(k.key, "00")).toBe(false);
  });

  it.each([
    ["Bearer pbk_x", "pbk_x"],
    ["bearer   pbk_x ", "pbk_x"],
    ["pbk_x", "pbk_x"],
    ["Bearer eyJhbGci", null],
    ["Basic pbk_x", null],
    [null, null],
  ])("reads %j from Authorization", (header, expected) => expect(apiKeyFromAuthorization(header)).toBe(expected));
});

describe("authenticateApiKey (real libSQL file DB)", () => {
  let temp: TempDb;
  let db: Db;
  beforeAll(async () => {
    temp = await openTempDb("picobase-keys-");
    db = temp.db;
    await db.insert(users).values({ id: "u1", name: "U", email: "u@example.com", passwordHash: "x" });
    await db.insert(instances).values({ id: "i1", ownerId: "u1", name: "I", subdomain: "inst", superuserEmail: "s@x", superuserPasswordEnc: "x" });
  });
  afterAll(() => temp?.dispose());

  it("accepts a stored key, records last use, and refuses wrong and revoked keys", async () => {
    const k = generateApiKey();
    await db.insert(apiKeys).values({ id: k.id, instanceId: "i1", name: "ci", keyHash: k.keyHash });
    const now = new Date("2030-01-01T00:00:00Z");
    expect(await authenticateApiKey(db, k.key, now)).toEqual({ keyId: k.id, instanceId: "i1" });
    expect((await db.query.apiKeys.findFirst())?.lastUsedAt?.toISOString()).toBe(now.toISOString());
    await authenticateApiKey(db, k.key, new Date(now.getTime() + 30_000));
    expect((await db.query.apiKeys.findFirst())?.lastUsedAt?.toISOString()).toBe(now.toISOString());
    const later = new Date(now.getTime() + 61_000);
    await authenticateApiKey(db, k.key, later);
    expect((await db.query.apiKeys.findFirst())?.lastUsedAt?.toISOString()).toBe(later.toISOString());

    const forged = `pbk_${k.id}_${generateApiKey().key.slice(-43)}`;
    expect(await authenticateApiKey(db, forged, now)).toBeNull();
    expect(await authenticateApiKey(db, generateApiKey().key, now)).toBeNull();

    await db.update(apiKeys).set({ revokedAt: now });
    expect(await authenticateApiKey(db, k.key, now)).toBeNull();
  });
});
