"use client";

import type { InstanceView } from "@/lib/data/instances";
import { formatBytes, formatRelative } from "@/lib/utils";
import { useNow } from "@/components/shared/use-now";

/** Key facts: storage used, last start/stop, creation date. */
export function InstanceOverview({ instance }: { instance: InstanceView }) {
  const now = useNow();
  const facts = [
    { label: "Storage used", value: formatBytes(instance.storageBytes), testId: "storage" },
    { label: "Last started", value: formatRelative(instance.lastStartedAt, now) },
    { label: "Last stopped", value: formatRelative(instance.lastStoppedAt, now) },
    { label: "Created", value: new Date(instance.createdAt).toLocaleDateString() },
  ];
  return (
    <dl className="grid grid-cols-2 gap-px overflow-hidden rounded-xl border bg-border sm:grid-cols-4">
      {facts.map((f) => (
        <div key={f.label} className="bg-background p-4" data-testid={f.testId}>
          <dt className="text-xs text-muted-foreground">{f.label}</dt>
          <dd className="mt-1 font-medium">{f.value}</dd>
        </div>
      ))}
    </dl>
  );
}
