"use client";

import type { InstanceView } from "@/lib/data/instances";
import { formatBytes, formatRelative } from "@/lib/utils";
import { useNow } from "@/components/shared/use-now";
import { DiskUsage } from "./disk-usage";

/** Key facts: disk used against the quota, stored snapshot size, last start/stop, creation date. */
export function InstanceOverview({ instance }: { instance: InstanceView }) {
  const now = useNow();
  const facts = [
    { label: "Stored snapshot", value: formatBytes(instance.storageBytes), testId: "storage" },
    { label: "Last started", value: formatRelative(instance.lastStartedAt, now) },
    { label: "Last stopped", value: formatRelative(instance.lastStoppedAt, now) },
    { label: "Created", value: new Date(instance.createdAt).toLocaleDateString() },
  ];
  return (
    <div className="space-y-3">
      <dl className="grid grid-cols-2 gap-px overflow-hidden rounded-xl border bg-border sm:grid-cols-4">
        {facts.map((f) => (
          <div key={f.label} className="bg-background p-4" data-testid={f.testId}>
            <dt className="text-xs text-muted-foreground">{f.label}</dt>
            <dd className="mt-1 font-medium">{f.value}</dd>
          </div>
        ))}
      </dl>
      <div className="rounded-xl border p-4">
        <p className="mb-2 text-xs text-muted-foreground">Disk</p>
        <DiskUsage usedBytes={instance.diskUsedBytes} quotaBytes={instance.diskQuotaBytes} />
      </div>
    </div>
  );
}
