"use client";

import { ChevronRight, Server } from "lucide-react";
import Link from "next/link";
import { useState } from "react";
import { apiFetch } from "@/components/shared/api";
import { useNow } from "@/components/shared/use-now";
import type { InstanceView } from "@/lib/data/instances";
import { formatRelative } from "@/lib/utils";
import { CreateInstanceDialog } from "./create-instance-dialog";
import { ImportInstanceDialog } from "./import-instance-dialog";
import { LiveIndicator } from "./live-indicator";
import { StatusBadge } from "./status-badge";
import { useInstanceStream } from "./use-instance-stream";

/** The user's instances with live status; new ones appear as they are created. */
export function InstancesList({ initial, quota, urlTemplate }: { initial: InstanceView[]; quota: number; urlTemplate: string }) {
  const [instances, setInstances] = useState(initial);
  const now = useNow();
  const live = useInstanceStream({
    onInstance: (next) => setInstances((list) => (list.some((i) => i.id === next.id) ? list.map((i) => (i.id === next.id ? next : i)) : [next, ...list])),
    onDeleted: (id) => setInstances((list) => list.filter((i) => i.id !== id)),
    onResync: () => {
      apiFetch<{ instances: InstanceView[] }>("/api/instances")
        .then((r) => setInstances(r.instances))
        .catch((err: unknown) => console.warn("could not refresh instances", err));
    },
  });
  const atQuota = instances.length >= quota;

  return (
    <div className="grid gap-6">
      <div className="flex flex-wrap items-end justify-between gap-3">
        <div>
          <h1 className="text-2xl font-semibold tracking-tight">Instances</h1>
          <p className="text-sm text-muted-foreground">
            {instances.length} of {quota} used · <LiveIndicator live={live} />
          </p>
        </div>
        <div className="flex flex-wrap items-start gap-2">
          <ImportInstanceDialog disabled={atQuota} />
          <CreateInstanceDialog
            disabledReason={atQuota ? `You have reached your limit of ${quota} instances. Delete one to create another.` : undefined}
            urlTemplate={urlTemplate}
            onCreated={(created) => setInstances((list) => (list.some((i) => i.id === created.id) ? list : [created, ...list]))}
          />
        </div>
      </div>
      {instances.length === 0 ? (
        <EmptyState />
      ) : (
        <ul className="divide-y overflow-hidden rounded-xl border bg-background" data-testid="instances">
          {instances.map((i) => (
            <InstanceRow key={i.id} instance={i} now={now} />
          ))}
        </ul>
      )}
    </div>
  );
}

function EmptyState() {
  return (
    <div className="grid place-items-center gap-2 rounded-xl border border-dashed bg-background px-6 py-16 text-center">
      <Server className="size-8 text-muted-foreground" aria-hidden />
      <h2 className="font-semibold">No instances yet</h2>
      <p className="max-w-sm text-sm text-muted-foreground">Create your first PocketBase instance. It starts stopped; press Start when you are ready.</p>
    </div>
  );
}

function InstanceRow({ instance: i, now }: { instance: InstanceView; now: number }) {
  return (
    <li>
      <Link href={`/dashboard/instances/${i.id}`} className="flex items-center gap-4 px-4 py-4 hover:bg-muted/60 sm:px-5" data-testid="instance-row">
        <div className="min-w-0 flex-1">
          <div className="flex flex-wrap items-center gap-2">
            <span className="truncate font-medium">{i.name}</span>
            <StatusBadge status={i.status} />
          </div>
          <div className="mt-1 truncate font-mono text-xs text-muted-foreground">{i.url}</div>
        </div>
        <div className="hidden text-right text-xs text-muted-foreground sm:block">
          Last started
          <br />
          {formatRelative(i.lastStartedAt, now)}
        </div>
        <ChevronRight className="size-4 text-muted-foreground" aria-hidden />
      </Link>
    </li>
  );
}
