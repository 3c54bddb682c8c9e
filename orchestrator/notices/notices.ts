import { and, eq, lte, sql } from "drizzle-orm";
import type { Db } from "../../lib/db/client";
import { instances, notices, users } from "../../lib/db/schema";
import type { Mailer } from "../../lib/mail/mailer";
import { instanceFailedMail, quotaWarningMail, type MailContent } from "../../lib/mail/templates";
import type { EventBus } from "../instances/event-bus";
import type { Logger } from "../logger";
import { withoutTenantOutput } from "../supervisor/errors";
import { failureStatusOf, instancePageUrl, nearQuota, NOTICE_INTERVAL_MS, type NoticeKind } from "./notice-rules";

/** Who a notice about an instance goes to, and what the mail names. */
type Recipient = { userId: string; name: string; email: string; instanceName: string; subdomain: string; link: string };

/**
 * Mails instance owners about failures and full disks, each kind at most once per instance per
 * interval (`notices` rows). Every entry point returns at once: the lookup, the claim in `notices` and
 * the SMTP exchange run in the background, and a failure is logged, so a notice can never hold up
 * or break the lifecycle that triggered it.
 */
export function createNotices(deps: { db: Db; mailer: Mailer; log: Logger; dashboardUrl: string; intervalMs?: number; now?: () => Date }) {
  const { db, log } = deps;
  const now = deps.now ?? (() => new Date());
  const intervalMs = deps.intervalMs ?? NOTICE_INTERVAL_MS;

  async function recipientOf(instanceId: string): Promise<Recipient | undefined> {
    const [row] = await db
      .select({ userId: users.id, name: users.name, email: users.email, instanceName: instances.name, subdomain: instances.subdomain })
      .from(instances)
      .innerJoin(users, eq(users.id, instances.ownerId))
      .where(eq(instances.id, instanceId));
    return row && { ...row, link: instancePageUrl(deps.dashboardUrl, instanceId) };
  }

  /**
   * Records a notice unless one of the same kind went out for the instance within the interval, and
   * returns its row id when this caller is the one to send it. One INSERT … WHERE NOT EXISTS, run
   * under the DB's write lock, so two triggers at once cannot both claim it.
   */
  async function claim(r: Recipient, instanceId: string, kind: NoticeKind, at: Date): Promise<number | undefined> {
    const since = at.getTime() - intervalMs;
    // Older notices no longer matter: at most one row per instance and kind stays.
    await db.delete(notices).where(and(eq(notices.instanceId, instanceId), eq(notices.kind, kind), lte(notices.createdAt, new Date(since))));
    const result = await db.run(sql`INSERT INTO ${notices} (user_id, instance_id, kind, created_at)
      SELECT ${r.userId}, ${instanceId}, ${kind}, ${at.getTime()}
      WHERE NOT EXISTS (SELECT 1 FROM ${notices} WHERE ${notices.instanceId} = ${instanceId} AND ${notices.kind} = ${kind} AND ${notices.createdAt} > ${since})
      RETURNING id`);
    const id = result.rows[0]?.id;
    return id === undefined || id === null ? undefined : Number(id);
  }

  async function notify(instanceId: string, kind: NoticeKind, compose: (r: Recipient) => MailContent): Promise<void> {
    const r = await recipientOf(instanceId);
    if (!r) return; // deleted meanwhile
    const claimed = await claim(r, instanceId, kind, now());
    if (claimed === undefined) return; // already told within the interval
    if (await deps.mailer.send(r.email, compose(r))) return;
    // Not sent (logged by the mailer): forget it, so the next trigger tries again.
    await db.delete(notices).where(eq(notices.id, claimed));
  }

  function inBackground(kind: NoticeKind, instanceId: string, work: () => Promise<void>): void {
    work().catch((err: unknown) => log.error({ err, instanceId, kind }, "instance notice failed"));
  }

  function instanceFailed(instanceId: string, status: "failed" | "sync_failed", reason: string): void {
    // PocketBase's own lines (a hook can print anything) stay on the instance page, out of mail.
    const firstLine = withoutTenantOutput(reason).split("\n")[0] ?? "";
    inBackground("instance-failed", instanceId, () => notify(instanceId, "instance-failed", (r) => instanceFailedMail({ ...r, status, reason: firstLine })));
  }

  return {
    /** Warns the owner when a usage report (instances/tenant-disk.ts) is near the instance's quota. */
    diskUsage(instanceId: string, usage: { usedBytes: number; quotaBytes: number }): void {
      if (!nearQuota(usage)) return;
      inBackground("quota-warning", instanceId, () => notify(instanceId, "quota-warning", (r) => quotaWarningMail({ ...r, ...usage })));
    },
    /** Turns the lifecycle's failure events on the bus into notices; returns the unsubscribe. */
    watch(bus: EventBus): () => void {
      return bus.subscribe((message) => {
        if (message.type !== "instance-event") return;
        const status = failureStatusOf(message.event.type);
        if (status) instanceFailed(message.event.instanceId, status, message.event.message);
      });
    },
  };
}
