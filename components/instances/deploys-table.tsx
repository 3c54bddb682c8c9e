"use client";

import { ChevronDown, ChevronRight } from "lucide-react";
import { useState } from "react";
import { useNow } from "@/components/shared/use-now";
import type { DeployJson } from "@/lib/orchestrator-client";
import { cn, formatBytes, formatRelative } from "@/lib/utils";
import { DeployFilesDialog } from "./deploy-files-dialog";
import { DeployStatusBadge } from "./deploy-status-badge";
import { RollbackDeployDialog } from "./rollback-deploy-dialog";

type Props = {
  instanceId: string;
  deploys: DeployJson[];
  /** Whether the instance should be running (a rollback restarts it now, or applies at the next start). */
  running: boolean;
  /** A deploy is being applied: rollbacks wait for it. */
  busy: boolean;
  onChange: () => void;
};

const columns = ["#", "Status", "Author", "When", "Files"];

/** The deploy history, newest first. */
export function DeploysTable({ deploys, ...rowProps }: Props) {
  const now = useNow();
  return (
    <div className="overflow-x-auto rounded-lg border">
      <table className="w-full text-sm" data-testid="deploys">
        <thead className="bg-muted/50 text-left text-xs text-muted-foreground">
          <tr>
            {columns.map((c) => (
              <th key={c} className="px-3 py-2 font-medium">
                {c}
              </th>
            ))}
            <th className="px-3 py-2">
              <span className="sr-only">Actions</span>
            </th>
          </tr>
        </thead>
        {deploys.map((d, i) => (
          <DeployRow key={d.id} deploy={d} now={now} openFirst={i === 0 && d.status === "failed"} {...rowProps} />
        ))}
      </table>
    </div>
  );
}

type RowProps = Omit<Props, "deploys"> & { deploy: DeployJson; now: number; openFirst: boolean };

/** One deploy; one with a message (why it failed, with PocketBase's lines) expands to show it, the newest failure by itself. */
function DeployRow({ instanceId, deploy: d, now, openFirst, running, busy, onChange }: RowProps) {
  const [toggled, setToggled] = useState<boolean>();
  const open = toggled ?? openFirst;
  return (
    <tbody className="border-t">
      <tr data-testid="deploy-row" data-number={d.number}>
        <td className="px-3 py-2 font-mono">
          <DeployNumber deploy={d} open={open} onToggle={() => setToggled(!open)} />
        </td>
        <td className="px-3 py-2">
          <DeployStatusBadge status={d.status} />
        </td>
        <td className="max-w-56 truncate px-3 py-2" title={d.author}>
          {d.author}
        </td>
        <td className="whitespace-nowrap px-3 py-2 text-muted-foreground">
          <time dateTime={d.createdAt} title={new Date(d.createdAt).toLocaleString()}>
            {formatRelative(d.createdAt, now)}
          </time>
        </td>
        <td className="whitespace-nowrap px-3 py-2 text-muted-foreground">
          {d.fileCount} {d.fileCount === 1 ? "file" : "files"} · {formatBytes(d.sizeBytes)}
        </td>
        <td className="whitespace-nowrap px-3 py-1 text-right">
          {!busy && (d.status === "superseded" || d.status === "rolled_back") ? (
            <RollbackDeployDialog instanceId={instanceId} deploy={d} running={running} onDone={onChange} />
          ) : null}
          <DeployFilesDialog instanceId={instanceId} deploy={d} />
        </td>
      </tr>
      {open && d.message ? (
        <tr>
          <td colSpan={columns.length + 1} className="px-3 pb-3">
            <pre
              className={cn(
                "max-h-64 overflow-auto whitespace-pre-wrap break-words rounded-md p-3 font-mono text-xs leading-relaxed",
                d.status === "failed" ? "bg-red-950 text-red-50" : "bg-muted text-muted-foreground",
              )}
              data-testid="deploy-message"
            >
              {d.message}
            </pre>
          </td>
        </tr>
      ) : null}
    </tbody>
  );
}

function DeployNumber({ deploy, open, onToggle }: { deploy: DeployJson; open: boolean; onToggle: () => void }) {
  if (!deploy.message) return <span className="pl-4">#{deploy.number}</span>;
  const Chevron = open ? ChevronDown : ChevronRight;
  return (
    <button
      type="button"
      className="inline-flex items-center gap-0.5 hover:underline"
      aria-expanded={open}
      aria-label={`${open ? "Hide" : "Show"} details of deploy #${deploy.number}`}
      onClick={onToggle}
    >
      <Chevron className="size-3.5" aria-hidden />#{deploy.number}
    </button>
  );
}
