import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Db } from "../../lib/db/client";
import { openTempDb, type TempDb } from "../../lib/db/temp-db";
import { instanceEvents, instanceStatuses, instances, users } from "../../lib/db/schema";
import { ConflictError } from "../../lib/errors";
import { createEventBus } from "./event-bus";
import { createInstanceStore } from "./instance-store";
import { nextStatus, TRANSITIONS, type TransitionName } from "./status-machine";

describe("instance status machine", () => {
  it("walks a tenant's life: start, run, stop, store; a failed start; supervision giving up", () => {
    const walk = (from: (typeof instanceStatuses)[number], ...steps: TransitionName[]) =>
      steps.reduce<string | undefined>((status, step) => (status ? nextStatus(status as never, step) : undefined), from);
    expect(walk("stopped", "start", "started", "stop", "stored")).toBe("stopped");
    expect(walk("stopped", "start", "startFailed", "start", "started")).toBe("running");
    expect(walk("stopped", "start", "started", "gaveUp", "stored")).toBe("stopped");
    expect(walk("stopped", "start", "started", "stop", "storeFailed", "stored")).toBe("stopped");
  });

  it("refuses what cannot happen", () => {
    expect(nextStatus("stopped", "started")).toBeUndefined(); // running without a start
    expect(nextStatus("stopped", "stop")).toBeUndefined(); // nothing to stop
    expect(nextStatus("stopping", "gaveUp")).toBeUndefined(); // a stop in progress is not a crash loop
    expect(nextStatus("running", "startFailed")).toBeUndefined();
    expect(nextStatus("failed", "started")).toBeUndefined();
  });

  it("lets a start or a final upload take over what an orchestrator that died left recorded", () => {
    for (const interrupted of ["starting", "running", "stopping"] as const) {
      expect(nextStatus(interrupted, "start")).toBe("starting");
      expect(nextStatus(interrupted, "stored")).toBe("stopped");
    }
  });

  it("names only real statuses, and every status can be left", () => {
    for (const t of Object.values(TRANSITIONS)) {
      for (const status of [...t.from, t.to]) expect(instanceStatuses).toContain(status);
    }
    for (const status of instanceStatuses) {
      expect(Object.values(TRANSITIONS).some((t) => (t.from as readonly string[]).includes(status))).toBe(true);
    }
  });
});

describe("store.transition (real libSQL file DB)", () => {
  let temp: TempDb;
  let db: Db;

  beforeAll(async () => {
    temp = await openTempDb("picobase-status-");
    db = temp.db;
    await db.insert(users).values({ id: "u1", name: "U", email: "u@example.com", passwordHash: "x" });
    await db.insert(instances).values({ id: "i1", ownerId: "u1", name: "i1", subdomain: "i1", superuserEmail: "s@x", superuserPasswordEnc: "x" });
  });
  afterAll(() => {
    temp.dispose();
  });

  it("changes the status with its event and fields, and refuses an illegal transition without writing anything", async () => {
    const bus = createEventBus();
    const published: string[] = [];
    bus.subscribe((m) => void published.push(m.type === "instance" ? `instance:${m.instance.status}` : m.type));
    const store = createInstanceStore({ db, bus });

    const starting = await store.transition("i1", "start", "Starting.", { statusReason: null });
    expect(starting.status).toBe("starting");
    const running = await store.transition("i1", "started", "Running.", { port: 8090 });
    expect(running).toMatchObject({ status: "running", port: 8090 });

    const before = await db.select().from(instanceEvents);
    const refused = store.transition("i1", "startFailed", "never recorded", { statusReason: "never" });
    await expect(refused).rejects.toBeInstanceOf(ConflictError);
    await expect(refused).rejects.toThrow(/cannot go from "running" to "failed" \(startFailed\)/);
    expect((await store.get("i1")).statusReason).toBeNull();
    expect(await db.select().from(instanceEvents)).toEqual(before);

    expect(before.map((e) => [e.type, e.message])).toEqual([
      ["starting", "Starting."],
      ["started", "Running."],
    ]);
    expect(published).toEqual(["instance:starting", "instance-event", "instance:running", "instance-event"]);
    await expect(store.transition("nope", "start", "x")).rejects.toThrow(/not found/);
  });
});
