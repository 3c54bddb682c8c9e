"use client";

import { cn, formatBytes } from "@/lib/utils";

/** From this share of the quota on, the bar turns amber and says why. */
const DISK_WARNING_RATIO = 0.8;

/** Disk used against the instance's quota, with a warning from 80 % and a clear message when full. */
export function DiskUsage({ usedBytes, quotaBytes }: { usedBytes: number | null; quotaBytes: number | null }) {
  if (usedBytes === null || !quotaBytes) {
    return <p className="text-sm text-muted-foreground">Measured once the instance has started.</p>;
  }
  const ratio = Math.min(1, usedBytes / quotaBytes);
  const level = ratio >= 1 ? "full" : ratio >= DISK_WARNING_RATIO ? "warning" : "ok";
  return (
    <div className="space-y-1.5" data-testid="disk-usage" data-level={level}>
      <div className="flex justify-between text-sm">
        <span>
          {formatBytes(usedBytes)} of {formatBytes(quotaBytes)}
        </span>
        <span className="text-muted-foreground">{Math.round(ratio * 100)} %</span>
      </div>
      <div
        className="h-2 overflow-hidden rounded-full bg-muted"
        role="progressbar"
        aria-valuenow={Math.round(ratio * 100)}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-label="Disk used"
      >
        <div
          className={cn("h-full rounded-full", level === "ok" ? "bg-primary" : level === "warning" ? "bg-amber-500" : "bg-destructive")}
          style={{ width: `${ratio * 100}%` }}
        />
      </div>
      {level === "warning" && (
        <p className="text-xs text-amber-600">
          Over {Math.round(DISK_WARNING_RATIO * 100)} % of the disk quota: at the quota, writes are refused (507) until data is deleted.
        </p>
      )}
      {level === "full" && <p className="text-xs text-destructive">Disk quota reached: writes are refused (507); reads and deletes still work.</p>}
    </div>
  );
}
