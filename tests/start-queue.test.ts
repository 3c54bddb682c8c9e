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
