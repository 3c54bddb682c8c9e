import { randomBytes } from "node:crypto";
import { eq } from "drizzle-orm";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateApiKey } from "../../lib/api-keys";
import type { Db } from "../../lib/db/client";
import { openTempDb, type TempDb } from "../../lib/db/temp-db";
import { apiKeys, instances, users } from "../../lib/db/schema";
import { createApiKeyAuth } from "./api-key-auth";

describe("createApiKeyAuth", () => {
  let temp: TempDb;
  let db: Db;
  const log = pino({ level: "silent" });

  beforeAll(async () => {
    temp = await openTempDb("picobase-keys-");
    db = temp.db;
    await db.insert(users).values({ id: "u1", name: "U", email: "u@example.com", passwordHash: "x" });
    await db.insert(instances).values({ id: "i1", ownerId: "u1", name: "A", subdomain: "a", superuserEmail: "s@x", superuserPasswordEnc: "x" });
  });
  afterAll(() => {
    temp.dispose();
  });

  // Issue 6, hole 8: 300k random well-formed keys grew the gateway by 110 MB that never came back.
  it("keeps at most maxCached key rows however many random keys are tried", async () => {
    const auth = createApiKeyAuth({ db, log, maxCached: 50 });
    for (let i = 0; i < 500; i++) {
      const key = `pbk_${randomBytes(9).toString("base64url")}_${randomBytes(32).toString("base64url")}`;
      expect(await auth.verify("i1", key)).toBe("invalid");
    }
    expect(auth.cachedKeys()).toBeLessThanOrEqual(50);
  });

  it("tells a live key from a revoked one once the cached row is older than recheckMs", async () => {
    let clock = 1_000_000;
    const auth = createApiKeyAuth({ db, log, recheckMs: 2_000, now: () => clock });
    const k = generateApiKey();
    await db.insert(apiKeys).values({ id: k.id, instanceId: "i1", name: "k", keyHash: k.keyHash });
    expect(await auth.verify("i1", k.key)).toBe("valid");
    expect(await auth.verify("other", k.key)).toBe("invalid");
    await db.update(apiKeys).set({ revokedAt: new Date() }).where(eq(apiKeys.id, k.id));
    expect(await auth.verify("i1", k.key)).toBe("valid"); // cached row, within recheckMs
    clock += 2_001;
    expect(await auth.verify("i1", k.key)).toBe("revoked");
  });
});
