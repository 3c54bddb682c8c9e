import fs from "node:fs";
import path from "node:path";
import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { instanceEvents } from "../lib/db/schema";
import { createGatewayClient, type GatewayClient } from "./support/gateway-client";
import { startOrchestrator, type OrchestratorHandle } from "./support/orchestrator";

/** Milliseconds since the epoch at which process `pid` started, from /proc (10 ms ticks). */
function processStartMs(pid: number): number {
  const ticks = Number(fs.readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ")[19]);
  const uptimeMs = Number(fs.readFileSync("/proc/uptime", "utf8").split(" ")[0]) * 1000;
  return Date.now() - uptimeMs + ticks * 10;
}

// Wakes beyond START_CONCURRENCY wait their turn instead of all restoring and launching at once.
describe("start slots", () => {
  let orch: OrchestratorHandle;
  let client: GatewayClient;

  beforeAll(async () => {
    orch = await startOrchestrator({ env: { START_CONCURRENCY: "1", IDLE_TIMEOUT_MINUTES: "0" } });
    client = createGatewayClient({ port: orch.gatewayPort });
  });
  afterAll(async () => {
    await client?.close();
    await orch?.dispose();
  });

  it("with one slot, simultaneous wakes all answer, and no start launches PocketBase before the previous one finished", async () => {
    const subs = ["queue-a", "queue-b", "queue-c"];
    const ids = await Promise.all(subs.map((sub) => orch.createInstance(sub)));
    const answers = await Promise.all(subs.map((sub) => client.fetch(client.url(sub, "/api/health"))));
    expect(answers.map((r) => r.status)).toEqual([200, 200, 200]);

    const spans = await Promise.all(
      ids.map(async (id) => {
        const pid = Number(fs.readFileSync(path.join(orch.tenantRoot(id), "meta", "pocketbase.pid"), "utf8"));
        const [started] = await orch.db
          .select()
          .from(instanceEvents)
          .where(and(eq(instanceEvents.instanceId, id), eq(instanceEvents.type, "started")));
        return { launchedAt: processStartMs(pid), startedAt: started!.createdAt.getTime() };
      }),
    );
    spans.sort((a, b) => a.startedAt - b.startedAt);
    for (let i = 1; i < spans.length; i++) {
      // /proc's clock and Date.now() agree to a few ticks; a start takes far longer than that.
      expect(spans[i]!.launchedAt, JSON.stringify(spans)).toBeGreaterThanOrEqual(spans[i - 1]!.startedAt - 30);
    }
  });
});

// A hostile owner whose hooks keep PocketBase from listening would otherwise hold every slot for
// its whole start timeout, and every other wake on the node would wait behind it.
describe("start slots per owner", () => {
  let orch: OrchestratorHandle;
  let client: GatewayClient;
  const HOOK_SLEEP_MS = 8_000;

  beforeAll(async () => {
    orch = await startOrchestrator({ env: { START_CONCURRENCY: "2", IDLE_TIMEOUT_MINUTES: "0", WAKE_TIMEOUT_MS: "60000" } });
    client = createGatewayClient({ port: orch.gatewayPort });
  });
  afterAll(async () => {
    await client?.close();
    await orch?.dispose();
  });

  /** Creates an instance of `ownerId`, starts it once (provisioned) and stops it. */
  async function provisioned(ownerId: string, subdomain: string): Promise<string> {
    const created = await orch.api("POST", "/v1/instances", { ownerId, name: subdomain, subdomain });
    const id = created.body.instance!.id;
    expect((await orch.api("POST", `/v1/instances/${id}/start?wait=1`)).status).toBe(200);
    expect((await orch.api("POST", `/v1/instances/${id}/stop?wait=1`)).status).toBe(200);
    return id;
  }

  it("lets one owner hold one slot only: another owner's wake goes ahead of the second slow start", async () => {
    const hostile = await orch.createUser();
    const slow = ["slow-one", "slow-two"];
    for (const sub of slow) {
      const id = await provisioned(hostile, sub);
      fs.writeFileSync(path.join(orch.tenantDir(id), "pb_hooks", "slow.pb.js"), `onBootstrap((e) => { sleep(${HOOK_SLEEP_MS}); e.next(); });\n`);
    }
    await provisioned(await orch.createUser(), "bystander");

    const slowWakes = slow.map((sub) => client.fetch(client.url(sub, "/api/health")));
    await new Promise((r) => setTimeout(r, 500)); // both slow starts are queued or running
    const t0 = Date.now();
    expect((await client.fetch(client.url("bystander", "/api/health"))).status).toBe(200);
    // Before, the two slow starts took both slots and the bystander waited for the first to finish.
    expect(Date.now() - t0).toBeLessThan(HOOK_SLEEP_MS - 2_000);
    expect((await Promise.all(slowWakes)).map((r) => r.status)).toEqual([200, 200]); // slow, not failed
  });
});
