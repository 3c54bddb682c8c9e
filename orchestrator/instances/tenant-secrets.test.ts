import { randomBytes } from "node:crypto";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { encryptSecret } from "../../lib/crypto/secret-box";
import type { Db } from "../../lib/db/client";
import { openTempDb, type TempDb } from "../../lib/db/temp-db";
import { instanceSecrets, instances, users } from "../../lib/db/schema";
import { createTenantSecrets } from "./tenant-secrets";

describe("createTenantSecrets (real libSQL file DB)", () => {
  let temp: TempDb;
  const key = randomBytes(32).toString("hex");
  let db: Db;
  const lines: string[] = [];
  const log = pino({ level: "info" }, { write: (line: string) => void lines.push(line) });

  beforeAll(async () => {
    temp = await openTempDb("picobase-secrets-");
    db = temp.db;
    await db.insert(users).values({ id: "u1", name: "U", email: "u@example.com", passwordHash: "x" });
    for (const id of ["i1", "i2"]) {
      await db.insert(instances).values({ id, ownerId: "u1", name: id, subdomain: id, superuserEmail: "s@x", superuserPasswordEnc: "x" });
    }
  });
  afterAll(() => {
    temp.dispose();
  });

  it("decrypts the instance's own secrets, leaves out names the platform does not allow, and logs no value", async () => {
    await db.insert(instanceSecrets).values([
      { instanceId: "i1", name: "MY_SECRET", valueEnc: encryptSecret("value-one", key) },
      { instanceId: "i1", name: "LD_PRELOAD", valueEnc: encryptSecret("/pb/pb_data/evil.so", key) },
      { instanceId: "i2", name: "OTHER", valueEnc: encryptSecret("value-two", key) },
    ]);
    const read = createTenantSecrets({ db, encryptionKey: key, log });
    expect(await read("i1")).toEqual({ MY_SECRET: "value-one" });
    expect(await read("i2")).toEqual({ OTHER: "value-two" });
    expect(await read("none")).toEqual({});
    expect(lines.join("")).toContain("LD_PRELOAD");
    expect(lines.join("")).not.toMatch(/value-one|evil\.so|value-two/);
  });

  it("fails when a value cannot be decrypted, naming the secret but not its value", async () => {
    const read = createTenantSecrets({ db, encryptionKey: randomBytes(32).toString("hex"), log });
    await expect(read("i2")).rejects.toThrow(/The secret OTHER could not be decrypted/);
  });
});
