import type PocketBase from "pocketbase";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { printLogsOnFailure } from "./support/failure-logs";
import { createGatewayClient, type GatewayClient } from "./support/gateway-client";
import { runningInstance, startOrchestrator, type OrchestratorHandle } from "./support/orchestrator";
import { litestreamProcessesUnder, pocketbaseProcessesUnder } from "./support/processes";
import { startS3Server, type S3Server } from "./support/s3-server";

/** The host-loss window the design promises: every write acknowledged longer ago than this survives. */
const WINDOW_MS = 2_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

type Ack = { n: number; at: number };
type Overview = {
  replication: { state: string; lastReplicatedAt?: string | null; lagSeconds?: number; pendingTransactions?: number; error?: string | null };
  window: { from: string; to: string } | null;
};

/** A `ticks` collection the tests write numbered rows into. */
async function createTicks(pb: PocketBase): Promise<void> {
  await pb.collections.create({ name: "ticks", type: "base", fields: [{ name: "n", type: "number" }] });
}

/** Writes a row every 50 ms through the gateway until stopped; returns the acknowledged ones. */
function startWriter(pb: PocketBase, from = 0) {
  const acked: Ack[] = [];
  let running = true;
  const done = (async () => {
    for (let n = from; running; n++) {
      try {
        await pb.collection("ticks").create({ n }, { requestKey: null });
        acked.push({ n, at: Date.now() });
      } catch {
        // the host is being killed: unacknowledged writes promise nothing
      }
      await sleep(50);
    }
  })();
  return {
    acked,
    async stop() {
      running = false;
      await done;
    },
  };
}

async function ticksPresent(pb: PocketBase): Promise<Set<number>> {
  const rows = await pb.collection("ticks").getFullList({ fields: "n", requestKey: null });
  return new Set(rows.map((r) => r.n as number));
}

/** kill -9 of the orchestrator, Litestream and every PocketBase of it at once, as a lost host. */
async function loseHost(orch: OrchestratorHandle): Promise<number> {
  const pids = [...litestreamProcessesUnder(orch.dataDir), ...pocketbaseProcessesUnder(orch.dataDir), orch.pid ?? 0].filter((p) => p > 0);
  const killedAt = Date.now();
  for (const pid of pids) process.kill(pid, "SIGKILL");
  await orch.kill("SIGKILL");
  return killedAt;
}

const drivers = [
  { name: "local-directory storage", s3: false },
  { name: "S3 storage (versitygw)", s3: true },
];

describe.each(drivers)("continuous replication ($name)", ({ s3: useS3 }) => {
  let s3: S3Server | undefined;
  let orch: OrchestratorHandle;
  let client: GatewayClient;
  printLogsOnFailure(() => (orch ? [{ name: "orchestrator", file: orch.logFile }] : []));

  beforeAll(async () => {
    s3 = useS3 ? await startS3Server() : undefined;
    // Snapshots while running store files only; a long interval shows the data comes from the replica.
    orch = await startOrchestrator({ env: { ...s3?.env, RECONCILE_INTERVAL_SECONDS: "1", SNAPSHOT_INTERVAL_SECONDS: "60" } });
    client = createGatewayClient({ port: orch.gatewayPort });
  });
  afterAll(async () => {
    await client?.close();
    await orch?.dispose();
    await s3?.dispose();
  });

  /** After a lost host: the tenant's local disk is gone, the orchestrator starts again and brings it back from the store. */
  const backOnANewDisk = async (id: string, pb: PocketBase, su: { email: string; password: string }) => {
    orch.wipeTenant(id);
    await orch.restart();
    await expect.poll(async () => (await orch.api("GET", `/v1/instances/${id}`)).body.instance?.status, { timeout: 60_000, interval: 250 }).toBe("running");
    await pb.collection("_superusers").authWithPassword(su.email, su.password);
  };
  const overview = async (id: string) => (await orch.api("GET", `/v1/instances/${id}/backups`)).body as unknown as Overview;
  /**
   * Waits until everything written before `since` (default: now) is in the store: the newest stored transaction
   * was captured at or after it (Litestream captures within a second, then ships). It must be captured after
   * `since`: when the last write may already be, make one more write after taking `since`.
   */
  const replicatedUpToNow = async (id: string, since = Date.now()) => {
    // Polls the whole status, so a timeout prints what was last seen.
    await expect
      .poll(async () => (await overview(id)).replication, { timeout: 10_000, interval: 200 })
      .toSatisfy((r: Overview["replication"]) => Date.parse(r.lastReplicatedAt ?? "0") >= since, `replicated up to ${new Date(since).toISOString()}`);
  };

  it("loses no write acknowledged more than 2 s before the host died", async () => {
    const sub = useS3 ? "hostloss-s3" : "hostloss-local";
    const { id, su, pb } = await runningInstance(orch, client, sub);
    await createTicks(pb);
    expect((await overview(id)).replication.state).toBe("replicating");

    const writer = startWriter(pb);
    await sleep(4_000);
    const killedAt = await loseHost(orch);
    await writer.stop();
    await backOnANewDisk(id, pb, su);
    const present = await ticksPresent(pb);
    const lost = writer.acked.filter((a) => !present.has(a.n));
    expect(writer.acked.length).toBeGreaterThan(40);
    expect(lost.filter((a) => a.at < killedAt - WINDOW_MS)).toEqual([]);
    // What was lost (if anything) was acknowledged within the last window before the kill.
    for (const a of lost) expect(killedAt - a.at).toBeLessThanOrEqual(WINDOW_MS);
  });

  it("restores in place to a point in time, and clones that point into a new instance", async () => {
    const sub = useS3 ? "pitr-s3" : "pitr-local";
    const { id, su, pb } = await runningInstance(orch, client, sub);
    await createTicks(pb);
    await pb.collection("ticks").create({ n: 1 }); // A
    // Litestream stamps a transaction when it captures it (within a second): wait until A is stored, then note T.
    await replicatedUpToNow(id);
    await sleep(1_100);
    const t = new Date();
    await sleep(1_100);
    await pb.collection("ticks").create({ n: 2 }); // B
    await replicatedUpToNow(id);

    const cloned = await orch.api("POST", `/v1/instances/${id}/clone`, { at: t.toISOString(), name: "Clone", subdomain: `${sub}-clone` });
    expect(cloned.status).toBe(201);
    expect(cloned.body.instance).toMatchObject({ status: "running", subdomain: `${sub}-clone` });
    const cloneId = cloned.body.instance!.id;
    const cloneSu = await orch.superuser(cloneId);
    const clonePb = client.pocketBase(`${sub}-clone`);
    await clonePb.collection("_superusers").authWithPassword(cloneSu.email, cloneSu.password);
    expect([...(await ticksPresent(clonePb))]).toEqual([1]);
    expect([...(await ticksPresent(pb))].sort()).toEqual([1, 2]); // the original is untouched

    const restored = await orch.api("POST", `/v1/instances/${id}/restore`, { at: t.toISOString() });
    expect(restored.status).toBe(200);
    expect(restored.body.instance).toMatchObject({ status: "running" });
    await pb.collection("_superusers").authWithPassword(su.email, su.password);
    expect([...(await ticksPresent(pb))]).toEqual([1]);
    const backups = await orch.db.query.snapshots.findMany({ where: (s, { eq }) => eq(s.instanceId, id) });
    expect(backups.map((s) => s.reason)).toContain("before-restore");

    // The restored state is stored by the time the restore answers: a host lost right then keeps it.
    await loseHost(orch);
    await backOnANewDisk(id, pb, su);
    expect([...(await ticksPresent(pb))]).toEqual([1]);
    // And it is what the instance replicates from then on.
    await pb.collection("ticks").create({ n: 3 });
    await replicatedUpToNow(id);
    await loseHost(orch);
    await backOnANewDisk(id, pb, su);
    expect([...(await ticksPresent(pb))].sort()).toEqual([1, 3]);
  });

  it("refuses a restore point outside the window and bad input, changing nothing", async () => {
    const sub = useS3 ? "badpitr-s3" : "badpitr-local";
    const { id } = await runningInstance(orch, client, sub);
    const before = await orch.api("GET", `/v1/instances/${id}`);
    for (const body of [{ at: "yesterday" }, {}, { at: new Date(Date.now() + 3_600_000).toISOString() }, { at: "2001-01-01T00:00:00Z" }]) {
      const res = await orch.api("POST", `/v1/instances/${id}/restore`, body);
      expect(res.status, JSON.stringify(body)).toBe(422);
    }
    const clone = await orch.api("POST", `/v1/instances/${id}/clone`, { at: "2001-01-01T00:00:00Z", name: "x", subdomain: `${sub}-c` });
    expect(clone.status).toBe(422);
    expect(await orch.db.query.instances.findMany({ where: (i, { eq }) => eq(i.subdomain, `${sub}-c`) })).toEqual([]);
    const after = await orch.api("GET", `/v1/instances/${id}`);
    expect(after.body.instance).toMatchObject({ status: "running", generation: before.body.instance!.generation });
  });

  it.runIf(useS3)("reports lag while the store is down, catches up after, and loses nothing", async () => {
    const sub = "outage-repl";
    const { id, su, pb } = await runningInstance(orch, client, sub);
    await createTicks(pb);
    await replicatedUpToNow(id);
    await s3!.stop();
    const writer = startWriter(pb);
    await expect.poll(async () => (await overview(id)).replication.lagSeconds ?? 0, { timeout: 30_000, interval: 500 }).toBeGreaterThanOrEqual(3);
    await s3!.restart();
    await expect.poll(async () => (await overview(id)).replication.lagSeconds ?? 99, { timeout: 60_000, interval: 500 }).toBeLessThanOrEqual(2);
    await writer.stop();
    // Litestream may have captured the writer's last row already (it catches up briskly after an outage).
    const stopped = Date.now();
    await pb.collection("ticks").create({ n: -1 });
    await replicatedUpToNow(id, stopped);

    await loseHost(orch);
    await backOnANewDisk(id, pb, su);
    const present = await ticksPresent(pb);
    expect(writer.acked.filter((a) => !present.has(a.n))).toEqual([]);
  });
});
