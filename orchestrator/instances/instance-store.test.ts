import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Db } from "../../lib/db/client";
import { openTempDb, type TempDb } from "../../lib/db/temp-db";
import { instances, users, type DesiredState, type InstanceStatus } from "../../lib/db/schema";
import { createEventBus } from "./event-bus";
import { createInstanceStore } from "./instance-store";

describe("instance store queries for the periodic loops (real libSQL file DB)", () => {
  let temp: TempDb;
  let db: Db;

  beforeAll(async () => {
    temp = await openTempDb("picobase-store-");
    db = temp.db;
    await db.insert(users).values({ id: "u1", name: "U", email: "u@example.com", passwordHash: "x" });
    const row = (id: string, desiredState: DesiredState, status: InstanceStatus, idleTimeoutMinutes: number | null = null) => ({
      id,
      ownerId: "u1",
      name: id,
      subdomain: id,
      superuserEmail: "s@x",
      superuserPasswordEnc: "x",
      desiredState,
      status,
      idleTimeoutMinutes,
    });
    await db
      .insert(instances)
      .values([
        row("asleep", "stopped", "stopped"),
        row("gave-up", "stopped", "failed"),
        row("running", "running", "running", 5),
        row("to-start", "running", "stopped", 0),
        row("to-stop", "stopped", "running"),
        row("upload-failed", "stopped", "sync_failed"),
        row("interrupted", "stopped", "stopping"),
      ]);
    // Many more, asleep: what a node with thousands registered mostly has.
    await db.insert(instances).values(Array.from({ length: 1200 }, (_, i) => row(`sleeper-${i}`, "stopped", "stopped", i % 7)));
  });
  afterAll(() => {
    temp.dispose();
  });

  it("lists only instances the reconciler may have to act on", async () => {
    const store = createInstanceStore({ db, bus: createEventBus() });
    const ids = (await store.listUnsettled()).map((i) => i.id).sort();
    expect(ids).toEqual(["interrupted", "running", "to-start", "to-stop", "upload-failed"]);
  });

  it("reads the idle timeouts of many instances in a few queries, skipping unknown ids", async () => {
    const store = createInstanceStore({ db, bus: createEventBus() });
    const wanted = [...Array.from({ length: 1200 }, (_, i) => `sleeper-${i}`), "running", "to-start", "gone"];
    const timeouts = await store.idleTimeouts(wanted);
    expect(timeouts.size).toBe(1202);
    expect(timeouts.get("running")).toBe(5);
    expect(timeouts.get("to-start")).toBe(0);
    expect(timeouts.get("sleeper-8")).toBe(1);
    expect(timeouts.has("gone")).toBe(false);
    expect(await store.idleTimeouts([])).toEqual(new Map());
  });
});
