"use client";

import { ExternalLink, Play, Square } from "lucide-react";
import { CopyButton } from "@/components/shared/copy-button";
import { Button } from "@/components/ui/button";
import type { InstanceView } from "@/lib/data/instances";
import { StatusBadge } from "./status-badge";
import { useInstanceActions } from "./use-instance-actions";

/** Name, state, URL and the Start/Stop/Open admin actions, with progress while changing state. */
export function InstanceHeader({ instance, onChange }: { instance: InstanceView; onChange: (i: InstanceView) => void }) {
  return (
    <div className="grid gap-4 rounded-xl border bg-background p-5">
      <div className="flex flex-wrap items-start justify-between gap-4">
        <div className="min-w-0">
          <div className="flex flex-wrap items-center gap-2">
            <h1 className="truncate text-2xl font-semibold tracking-tight">{instance.name}</h1>
            <span data-testid="instance-status">
              <StatusBadge status={instance.status} />
            </span>
          </div>
          <div className="mt-2 flex items-center gap-2">
            <a
              href={instance.url}
              target="_blank"
              rel="noreferrer"
              className="truncate font-mono text-sm text-primary hover:underline"
              data-testid="instance-url"
            >
              {instance.url}
            </a>
            <CopyButton value={instance.url} label="Copy URL" />
          </div>
        </div>
        <InstanceActions instance={instance} onChange={onChange} />
      </div>
      <InstanceProgress status={instance.status} />
      <InstanceFailure instance={instance} />
    </div>
  );
}

function InstanceActions({ instance, onChange }: { instance: InstanceView; onChange: (i: InstanceView) => void }) {
  const { pending, start, stop, openAdmin } = useInstanceActions(instance, onChange);
  const busy = instance.status === "starting" || instance.status === "stopping";
  const showStop = instance.desiredState === "running" && instance.status !== "failed";
  const running = instance.status === "running";
  return (
    <div className="flex flex-wrap gap-2">
      {showStop ? (
        <Button variant="outline" onClick={stop} pending={pending === "stop"} disabled={instance.status === "stopping"}>
          {pending === "stop" ? null : <Square aria-hidden />} Stop
        </Button>
      ) : (
        <Button onClick={start} pending={pending === "start"} disabled={busy}>
          {pending === "start" ? null : <Play aria-hidden />} Start
        </Button>
      )}
      <Button
        variant="outline"
        onClick={openAdmin}
        pending={pending === "admin"}
        disabled={!running}
        title={running ? undefined : "Start the instance to open its admin UI"}
      >
        {pending === "admin" ? null : <ExternalLink aria-hidden />} Open admin
      </Button>
    </div>
  );
}

function InstanceProgress({ status }: { status: InstanceView["status"] }) {
  if (status !== "starting" && status !== "stopping") return null;
  return (
    <div className="grid gap-1.5" role="status" data-testid="progress">
      <div className="h-1.5 overflow-hidden rounded-full bg-muted">
        <div className="h-full w-1/3 animate-[progress_1.2s_ease-in-out_infinite] rounded-full bg-amber-500" />
      </div>
      <p className="text-xs text-muted-foreground">{status === "starting" ? "Restoring data and starting PocketBase…" : "Saving a snapshot and stopping…"}</p>
    </div>
  );
}

function InstanceFailure({ instance }: { instance: InstanceView }) {
  if ((instance.status !== "failed" && instance.status !== "sync_failed") || !instance.statusReason) return null;
  return (
    <p className="rounded-md border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-700" role="alert">
      {instance.status === "sync_failed" ? "Backup upload failed and will be retried: " : "The instance failed: "}
      {instance.statusReason}
    </p>
  );
}
