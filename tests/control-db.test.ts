import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDb, type Db } from "../lib/db/client";
import { migrateDb } from "../lib/db/migrate";
import { instances, users } from "../lib/db/schema";
import { startSqld } from "./support/sqld";

const backends: Array<[string, () => Promise<{ url: string; dispose: () => Promise<void> }>]> = [
  [
    "file: URL",
    async () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "picobase-db-"));
      return { url: `file:${path.join(dir, "control.db")}`, dispose: async () => fs.rmSync(dir, { recursive: true }) };
    },
  ],
  ["sqld (libSQL server)", startSqld],
];

describe.each(backends)("control DB on %s", (_name, open) => {
  let server: { url: string; dispose: () => Promise<void> };
  let db: Db;

  beforeAll(async () => {
    server = await open();
    db = createDb({ url: server.url });
    await migrateDb(db);
    await migrateDb(db); // applying twice is a no-op
  });
  afterAll(async () => {
    db.close();
    await server.dispose();
  });

  it("stores users and instances and enforces unique subdomains", async () => {
    await db.insert(users).values({ id: "u1", name: "Ada", email: "ada@example.com", passwordHash: "x" });
    const row = { ownerId: "u1", name: "App", superuserEmail: "su@picobase.internal", superuserPasswordEnc: "enc" };
    await db.insert(instances).values({ ...row, id: "i1", subdomain: "ada-app" });
    await expect(db.insert(instances).values({ ...row, id: "i2", subdomain: "ada-app" })).rejects.toThrow();
    const [got] = await db.select().from(instances).where(eq(instances.id, "i1"));
    expect(got).toMatchObject({ subdomain: "ada-app", desiredState: "stopped", status: "stopped", generation: 0 });
    expect(got?.createdAt).toBeInstanceOf(Date);
  });
});
