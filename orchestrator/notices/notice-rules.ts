/** Notice kinds as stored in `notices.kind`. */
export type NoticeKind = "instance-failed" | "quota-warning";

/** Share of its disk quota at which an instance's owner is warned. */
const QUOTA_WARNING_RATIO = 0.9;

/** A notice kind is mailed at most once per instance in this window. */
export const NOTICE_INTERVAL_MS = 24 * 60 * 60 * 1000;

/** Whether a usage report calls for the quota warning: at least `ratio` of a known, non-zero quota. */
export function nearQuota(usage: { usedBytes: number; quotaBytes: number }, ratio = QUOTA_WARNING_RATIO): boolean {
  return usage.quotaBytes > 0 && usage.usedBytes >= usage.quotaBytes * ratio;
}

/** The lifecycle event types that mean an instance failed (instances/lifecycle.ts records them). */
export function failureStatusOf(eventType: string): "failed" | "sync_failed" | undefined {
  return eventType === "failed" || eventType === "sync_failed" ? eventType : undefined;
}

/** The dashboard page of an instance, for links in notices. */
export function instancePageUrl(dashboardUrl: string, instanceId: string): string {
  return new URL(`/dashboard/instances/${encodeURIComponent(instanceId)}`, dashboardUrl).toString();
}
