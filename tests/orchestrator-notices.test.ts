import fs from "node:fs";
import path from "node:path";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { instances, notices, users } from "../lib/db/schema";
import { createGatewayClient, type GatewayClient } from "./support/gateway-client";
import { startMailpit, type Mailpit } from "./support/mailpit";
import { startOrchestrator, type OrchestratorHandle } from "./support/orchestrator";
import { waitFor } from "./support/wait";

/** Notices the orchestrator mails to an instance's owner, through a real SMTP server (mailpit). */
const QUOTA_MIB = 48;
const dashboardUrl = "https://app.example.com";
const sandboxed = process.getuid?.() === 0; // disk quotas (and so usage reports) need the sandbox's volumes

describe("instance notices", () => {
  let mailpit: Mailpit;
  let orch: OrchestratorHandle;
  let client: GatewayClient;

  beforeAll(async () => {
    mailpit = await startMailpit();
    orch = await startOrchestrator({ env: { SMTP_URL: mailpit.smtpUrl, NEXTAUTH_URL: dashboardUrl, TENANT_DISK_QUOTA: `${QUOTA_MIB}MiB` } });
    client = createGatewayClient({ port: orch.gatewayPort });
  });
  afterAll(async () => {
    await client?.close();
    await orch?.dispose();
    await mailpit?.dispose();
  });

  const ownerEmail = async (id: string) => {
    const [row] = await orch.db.select({ email: users.email }).from(instances).innerJoin(users, eq(users.id, instances.ownerId)).where(eq(instances.id, id));
    if (!row) throw new Error(`no instance ${id}`);
    return row.email;
  };
  const failedEvents = async (id: string) =>
    (await orch.db.query.instanceEvents.findMany({ where: (e, { eq: is }) => is(e.instanceId, id) })).filter((e) => e.type === "failed").length;

  it("an instance whose PocketBase fails to start mails its owner once, without the tenant's own output", async () => {
    const sub = "crashy";
    const id = await orch.createInstance(sub);
    await orch.api("POST", `/v1/instances/${id}/start?wait=1`);
    await orch.api("POST", `/v1/instances/${id}/stop?wait=1`);
    // Hand-managed code whose hook prints something private, then breaks the start.
    const hook = path.join(orch.tenantDir(id), "pb_hooks", "broken.pb.js");
    fs.writeFileSync(hook, `console.log("PRIVATE-TENANT-LINE"); throw new Error("PRIVATE-TENANT-ERROR");\n`, { mode: 0o644 });
    const email = await ownerEmail(id);

    expect((await orch.api("POST", `/v1/instances/${id}/start?wait=1`)).status).toBe(503);
    expect((await orch.api("GET", `/v1/instances/${id}`)).body.instance?.status).toBe("failed");
    const mail = await mailpit.waitForMail(email);
    expect(mail.Subject).toBe(`Instance "${sub}" failed`);
    expect(mail.Text).toContain(`${dashboardUrl}/dashboard/instances/${id}`);
    expect(mail.Text).toContain("Reason: Start failed:");
    expect(mail.Text + mail.HTML).not.toContain("PRIVATE-TENANT");

    // A second failure within the day: recorded like the first, but not mailed again.
    await orch.api("POST", `/v1/instances/${id}/start?wait=1`);
    await waitFor("the second failure", async () => ((await failedEvents(id)) === 2 ? true : undefined));
    await new Promise((resolve) => setTimeout(resolve, 1_500)); // the notice would have been sent by now
    expect(await mailpit.mailsTo(email)).toHaveLength(1);
    expect(await orch.db.select().from(notices).where(eq(notices.instanceId, id))).toEqual([
      expect.objectContaining({ kind: "instance-failed", userId: expect.any(String) }),
    ]);
    fs.rmSync(hook);
  });

  it.skipIf(!sandboxed)("an instance whose files reach 90 % of its disk quota mails its owner once", async () => {
    const sub = "hoarder";
    const id = await orch.createInstance(sub);
    await orch.api("POST", `/v1/instances/${id}/start?wait=1`);
    const email = await ownerEmail(id);
    const write = () =>
      client.fetch(client.url(sub, "/api/collections/users/records"), { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });
    // Written as root straight into the tenant's volume: as if its hooks or uploads had filled it.
    const filler = path.join(orch.tenantDir(id), "pb_data", "filler.bin");
    fs.writeFileSync(filler, Buffer.alloc((QUOTA_MIB - 3) * 1024 * 1024, 1));
    try {
      // Writes make the gateway measure the volume again (at most once a second).
      const mail = await waitFor(
        "the quota notice",
        async () => {
          await write();
          return (await mailpit.mailsTo(email))[0];
        },
        { timeoutMs: 20_000, intervalMs: 500 },
      );
      expect(mail.Subject).toMatch(new RegExp(`^Instance "${sub}" is using 9\\d% of its disk quota$`));
      expect(mail.Text).toContain(`of its ${QUOTA_MIB}.0 MiB disk quota`);
      expect(mail.Text).toContain(`${dashboardUrl}/dashboard/instances/${id}`);
      // More usage reports (a MiB more each) within the day: no second mail.
      fs.appendFileSync(filler, Buffer.alloc(1024 * 1024 + 1, 1));
      await waitFor("the next usage report", async () => {
        await write();
        const row = await orch.db.query.instances.findFirst({ where: (i, { eq: is }) => is(i.id, id) });
        return (row?.diskUsedBytes ?? 0) > (QUOTA_MIB - 2) * 1024 * 1024 ? true : undefined;
      });
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      expect(await mailpit.mailsTo(email)).toHaveLength(1);
    } finally {
      fs.rmSync(filler, { force: true });
    }
  });
});
