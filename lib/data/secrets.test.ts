import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decryptSecret } from "../crypto/secret-box";
import type { Db } from "../db/client";
import { openTempDb, type TempDb } from "../db/temp-db";
import { instanceSecrets, instances, users } from "../db/schema";
import { NotFoundError, UnprocessableError } from "../errors";
import { SECRETS_PER_INSTANCE, secretChangesSchema } from "../validations/secrets";
import { applySecretChanges, listSecrets } from "./secrets";

describe("instance secrets data (real libSQL file DB)", () => {
  let temp: TempDb;
  const key = randomBytes(32).toString("hex");
  const owner = { id: "u1", name: "U", email: "u@example.com" };
  const stranger = { id: "u2", name: "S", email: "s@example.com" };
  const now = new Date("2030-01-01T00:00:00Z");
  let db: Db;
  const apply = (body: unknown, actor = owner, at = now) => applySecretChanges(db, actor, "i1", secretChangesSchema.parse(body), key, at);

  beforeAll(async () => {
    temp = await openTempDb("picobase-secrets-data-");
    db = temp.db;
    await db.insert(users).values([
      { ...owner, passwordHash: "x" },
      { ...stranger, passwordHash: "x" },
    ]);
    await db.insert(instances).values({ id: "i1", ownerId: "u1", name: "I", subdomain: "inst", superuserEmail: "s@x", superuserPasswordEnc: "x" });
  });
  afterAll(() => {
    temp.dispose();
  });

  it("sets, updates and unsets together, storing values encrypted, listing names and times only", async () => {
    expect(await apply({ set: { B_KEY: "b-value", A_KEY: "a-value" } })).toEqual({
      secrets: [
        { name: "A_KEY", updatedAt: now.toISOString() },
        { name: "B_KEY", updatedAt: now.toISOString() },
      ],
      changed: true,
    });
    const later = new Date(now.getTime() + 1000);
    const result = await apply({ set: { A_KEY: "a-new" }, unset: ["B_KEY"] }, owner, later);
    expect(result).toEqual({ secrets: [{ name: "A_KEY", updatedAt: later.toISOString() }], changed: true });
    const [row] = await db.select().from(instanceSecrets);
    expect(row?.valueEnc).not.toContain("a-new");
    expect(decryptSecret(row!.valueEnc, key)).toBe("a-new");
    expect(JSON.stringify(await listSecrets(db, owner, "i1"))).not.toContain("a-new");
  });

  it("reports no change when nothing it names exists", async () => {
    expect((await apply({ unset: ["NEVER_SET"] })).changed).toBe(false);
    expect((await apply({})).changed).toBe(false);
  });

  it("refuses more than the limit, changing nothing", async () => {
    const before = await listSecrets(db, owner, "i1");
    const many = Object.fromEntries(Array.from({ length: SECRETS_PER_INSTANCE }, (_, i) => [`S_${i}`, "x"]));
    await expect(apply({ set: many })).rejects.toBeInstanceOf(UnprocessableError);
    expect(await listSecrets(db, owner, "i1")).toEqual(before);
    // Swapping one out for a new one stays within it.
    const { A_KEY: _dropped, ...rest } = { A_KEY: "", ...many };
    expect((await apply({ set: Object.fromEntries(Object.entries(rest).slice(0, SECRETS_PER_INSTANCE)), unset: ["A_KEY"] })).secrets).toHaveLength(
      SECRETS_PER_INSTANCE,
    );
  });

  it("lets only as many of racing changes through as fit", async () => {
    await apply({ unset: ["S_0", "S_1"] });
    const results = await Promise.allSettled(["R_1", "R_2", "R_3", "R_4"].map((name) => apply({ set: { [name]: "x" }, unset: ["S_2"] })));
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(3);
    expect(results.find((r) => r.status === "rejected")?.reason).toBeInstanceOf(UnprocessableError);
    expect(await listSecrets(db, owner, "i1")).toHaveLength(SECRETS_PER_INSTANCE);
  });

  it("answers NotFound for another user's instance", async () => {
    await expect(listSecrets(db, stranger, "i1")).rejects.toBeInstanceOf(NotFoundError);
    await expect(apply({ set: { X: "y" } }, stranger)).rejects.toBeInstanceOf(NotFoundError);
  });
});
