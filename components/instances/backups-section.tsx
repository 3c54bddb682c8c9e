"use client";

import { ArchiveRestore, CheckCircle2, CloudOff, Download, History } from "lucide-react";
import { useCallback, useEffect, useState } from "react";
import { toast } from "sonner";
import { apiFetch } from "@/components/shared/api";
import { ConfirmDialog } from "@/components/shared/confirm-dialog";
import { LoadError } from "@/components/shared/load-error";
import { useNow } from "@/components/shared/use-now";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { Input } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import { Skeleton } from "@/components/ui/skeleton";
import type { BackupsOverview, ReplicationStatus } from "@/lib/backups-json";
import type { InstanceView } from "@/lib/data/instances";
import { formatBytes, formatRelative } from "@/lib/utils";
import { CloneDialog } from "./clone-dialog";

/** How often the card refreshes replication status while it is shown. */
const REFRESH_MS = 5_000;
/** Lag (seconds) from which the card warns that writes are waiting to reach the store. */
const LAGGING_SECONDS = 5;
const SNAPSHOTS_SHOWN = 20;

const REASONS: Record<string, string> = {
  stop: "On stop",
  schedule: "Scheduled",
  "before-deploy": "Before a deploy",
  "before-restore": "Before a restore",
  clone: "Cloned",
  import: "Imported",
};

/** Backups of an instance: replication status, restore (or clone) to any moment of the window, stored snapshots. */
export function BackupsSection({ instance }: { instance: InstanceView }) {
  const { overview, error, reload } = useBackups(instance.id);
  return (
    <Card data-testid="backups-card">
      <CardHeader className="flex-row flex-wrap items-start justify-between gap-3">
        <div className="grid gap-1.5">
          <CardTitle>Backups</CardTitle>
          <CardDescription>
            Every change to your data is copied to object storage within seconds. Restore this instance to any moment
            {overview ? ` of the last ${overview.restoreWindowDays} days` : ""}, or copy that moment into a new instance.
          </CardDescription>
        </div>
        <Button asChild variant="outline" size="sm">
          {/* A plain link: the browser streams the archive to disk and shows its own progress. */}
          <a href={`/api/instances/${instance.id}/download`} download data-testid="download-backup">
            <Download aria-hidden /> Download
          </a>
        </Button>
      </CardHeader>
      <CardContent className="grid gap-5">
        {error ? <LoadError what="Backups" message={error} onRetry={reload} /> : null}
        {!overview && !error ? <Skeleton className="h-24 w-full" aria-label="Loading backups" /> : null}
        {overview ? (
          <>
            <ReplicationLine status={overview.replication} />
            <RestorePoint instance={instance} overview={overview} onDone={reload} />
            <SnapshotList instance={instance} overview={overview} onDone={reload} />
          </>
        ) : null}
      </CardContent>
    </Card>
  );
}

/** Loads the overview, and refreshes it every few seconds for the live replication status. */
function useBackups(instanceId: string) {
  const [overview, setOverview] = useState<BackupsOverview | null>(null);
  const [error, setError] = useState<string>();
  const reload = useCallback(async () => {
    try {
      setOverview(await apiFetch<BackupsOverview>(`/api/instances/${instanceId}/backups`));
      setError(undefined);
    } catch (err) {
      setError((err as Error).message);
    }
  }, [instanceId]);
  useEffect(() => {
    void reload();
    const timer = setInterval(() => void reload(), REFRESH_MS);
    return () => clearInterval(timer);
  }, [reload]);
  return { overview, error, reload };
}

function ReplicationLine({ status }: { status: ReplicationStatus }) {
  const now = useNow();
  if (status.state === "off") {
    return (
      <p className="flex items-center gap-2 text-sm text-muted-foreground" data-testid="replication-status">
        <History className="size-4" aria-hidden /> Continuous backup runs while the instance runs; its data was stored when it stopped.
      </p>
    );
  }
  if (status.error || status.lagSeconds >= LAGGING_SECONDS) {
    return (
      <p
        className="flex items-start gap-2 rounded-lg border border-amber-200 bg-amber-50 px-4 py-3 text-sm text-amber-800"
        role="status"
        data-testid="replication-status"
      >
        <CloudOff className="mt-0.5 size-4 shrink-0" aria-hidden />
        <span>
          Replication lagging {status.lagSeconds} s: {status.pendingTransactions} change{status.pendingTransactions === 1 ? "" : "s"} waiting to be stored.{" "}
          {status.error ?? "Nothing is lost: they are kept on the server and sent as soon as storage answers."}
        </span>
      </p>
    );
  }
  return (
    <p className="flex items-center gap-2 text-sm text-emerald-700" data-testid="replication-status">
      <CheckCircle2 className="size-4" aria-hidden /> Continuous backup is up to date
      {status.lastReplicatedAt ? ` (last change stored ${formatRelative(status.lastReplicatedAt, now)})` : ""}.
    </p>
  );
}

/** A moment picked in local time, restored in place (after a confirmation) or cloned. */
function RestorePoint({ instance, overview, onDone }: { instance: InstanceView; overview: BackupsOverview; onDone: () => Promise<void> }) {
  const [local, setLocal] = useState(() => toLocalInput(new Date(Date.now() - 60_000)));
  const at = fromLocalInput(local);
  const earliest = overview.window?.from ?? overview.snapshots.at(-1)?.createdAt;
  if (!earliest) {
    return <p className="text-sm text-muted-foreground">Nothing is stored yet: the first backup is made when the instance first runs.</p>;
  }
  return (
    <div className="grid gap-2 rounded-lg border p-4">
      <Label htmlFor="restore-at">Restore point</Label>
      <div className="flex flex-wrap items-center gap-3">
        <Input
          id="restore-at"
          type="datetime-local"
          step={1}
          className="w-auto"
          value={local}
          min={toLocalInput(new Date(earliest))}
          max={toLocalInput(new Date())}
          onChange={(e) => setLocal(e.target.value)}
        />
        <RestoreButton instance={instance} at={at} onDone={onDone} />
        {at ? <CloneDialog instance={instance} at={at} /> : null}
      </div>
      <p className="text-xs text-muted-foreground">Any moment from {new Date(earliest).toLocaleString()} until now, to the second.</p>
    </div>
  );
}

function RestoreButton({
  instance,
  at,
  onDone,
  label = "Restore…",
}: {
  instance: InstanceView;
  at: string | null;
  onDone: () => Promise<void>;
  label?: string;
}) {
  if (!at) return null;
  const restore = async () => {
    const { safetyGeneration } = await apiFetch<{ safetyGeneration: number }>(`/api/instances/${instance.id}/restore`, { method: "POST", body: { at } });
    toast.success(`${instance.name} is back to ${new Date(at).toLocaleString()}. Snapshot ${safetyGeneration} keeps the state from before.`);
    await onDone();
  };
  return (
    <ConfirmDialog
      triggerLabel={label}
      title={`Restore ${instance.name} to ${new Date(at).toLocaleString()}?`}
      description={
        <>
          Records, users and files go back to that moment; changes since then disappear from the instance. Its current state is kept as a snapshot first, so you
          can come back to it. {instance.desiredState === "running" ? "It is offline for a few seconds while it restarts." : ""}
        </>
      }
      confirmLabel="Restore"
      onConfirm={restore}
    />
  );
}

function SnapshotList({ instance, overview, onDone }: { instance: InstanceView; overview: BackupsOverview; onDone: () => Promise<void> }) {
  const now = useNow();
  if (overview.snapshots.length === 0) return null;
  return (
    <div className="grid gap-2">
      <h3 className="text-sm font-medium">Stored snapshots</h3>
      <ul className="divide-y rounded-lg border" data-testid="snapshots">
        {overview.snapshots.slice(0, SNAPSHOTS_SHOWN).map((s) => (
          <li key={s.generation} className="flex flex-wrap items-center gap-3 px-4 py-2.5 text-sm" data-testid="snapshot-row">
            <ArchiveRestore className="size-4 text-muted-foreground" aria-hidden />
            <div className="min-w-0 flex-1">
              <span className="font-medium">{new Date(s.createdAt).toLocaleString()}</span>
              <span className="text-muted-foreground">
                {" "}
                · #{s.generation} · {formatRelative(s.createdAt, now)} · {formatBytes(s.sizeBytes)} · {REASONS[s.reason ?? ""] ?? "Snapshot"}
              </span>
            </div>
            <RestoreButton instance={instance} at={s.createdAt} onDone={onDone} label="Restore" />
            <CloneDialog instance={instance} at={s.createdAt} compact />
          </li>
        ))}
      </ul>
    </div>
  );
}

/** `datetime-local` works in local time without a zone: these convert to and from ISO instants. */
function toLocalInput(date: Date): string {
  const shifted = new Date(date.getTime() - date.getTimezoneOffset() * 60_000);
  return shifted.toISOString().slice(0, 19);
}

function fromLocalInput(value: string): string | null {
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? null : date.toISOString();
}
