import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDb, type Db } from "../lib/db/client";
import { migrateDb } from "../lib/db/migrate";
import { instances, users } from "../lib/db/schema";
import { createEventBus } from "../orchestrator/instances/event-bus";
import { createInstanceStore } from "../orchestrator/instances/instance-store";
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

  it("never hands a deleted instance's uid to a new one, even under concurrent allocation", async () => {
    // Hole 3 of the containment audit: uids were max + 1, so deleting the newest tenant freed its uid
    // and a daemon it left behind owned the next tenant's files.
    const store = createInstanceStore({ db, bus: createEventBus() });
    const row = { ownerId: "u1", name: "App", superuserEmail: "su@picobase.internal", superuserPasswordEnc: "enc" };
    const make = async (id: string) => store.create({ ...row, id, subdomain: `uid-${id}` });
    await make("a");
    const first = await store.ensureTenantUid("a", 300_000);
    expect(first).toBeGreaterThanOrEqual(300_000);
    expect(await store.ensureTenantUid("a", 300_000)).toBe(first); // stable once allocated
    await store.remove("a");
    await make("b");
    expect(await store.ensureTenantUid("b", 300_000)).toBeGreaterThan(first);
    const ids = ["c", "d", "e", "f", "g", "h"];
    for (const id of ids) await make(id);
    const uids = await Promise.all(ids.map((id) => store.ensureTenantUid(id, 300_000)));
    expect(new Set(uids).size).toBe(ids.length);
  });
});
