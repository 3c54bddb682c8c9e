"use client";

import { FileCode } from "lucide-react";
import { useEffect, useState } from "react";
import { apiFetch } from "@/components/shared/api";
import { Button } from "@/components/ui/button";
import { Dialog, DialogContent, DialogDescription, DialogHeader, DialogTitle, DialogTrigger } from "@/components/ui/dialog";
import { Skeleton } from "@/components/ui/skeleton";
import type { DeployFileJson, DeployJson } from "@/lib/orchestrator-client";
import { cn, formatBytes } from "@/lib/utils";
import { DeployFileView } from "./deploy-file-view";

type Listing = { files: DeployFileJson[] } | { error: string };

/** "Files": a read-only view of one deploy's code, a list of paths and the chosen file's text. */
export function DeployFilesDialog({ instanceId, deploy }: { instanceId: string; deploy: DeployJson }) {
  const [open, setOpen] = useState(false);
  return (
    <Dialog open={open} onOpenChange={setOpen}>
      <DialogTrigger asChild>
        <Button variant="ghost" size="sm">
          <FileCode aria-hidden /> Files
        </Button>
      </DialogTrigger>
      <DialogContent className="max-w-5xl">
        <DialogHeader>
          <DialogTitle>Files of deploy #{deploy.number}</DialogTitle>
          <DialogDescription>
            {deploy.fileCount} {deploy.fileCount === 1 ? "file" : "files"}, {formatBytes(deploy.sizeBytes)}. Read-only.
          </DialogDescription>
        </DialogHeader>
        {open ? <DeployFiles instanceId={instanceId} deployId={deploy.id} /> : null}
      </DialogContent>
    </Dialog>
  );
}

function DeployFiles({ instanceId, deployId }: { instanceId: string; deployId: string }) {
  const [listing, setListing] = useState<Listing>();
  const [selected, setSelected] = useState<DeployFileJson>();
  useEffect(() => {
    let current = true;
    apiFetch<{ files: DeployFileJson[] }>(`/api/instances/${instanceId}/deploys/${deployId}`)
      .then((r): Listing => ({ files: [...r.files].sort((a, b) => a.path.localeCompare(b.path)) }))
      .catch((err: unknown): Listing => ({ error: (err as Error).message }))
      .then((next) => {
        if (current) setListing(next);
      });
    return () => {
      current = false;
    };
  }, [instanceId, deployId]);

  if (!listing) return <Skeleton className="h-64 w-full" aria-label="Loading files" />;
  if ("error" in listing) {
    return (
      <p className="text-sm text-amber-700" role="alert">
        Files are unavailable right now: {listing.error}
      </p>
    );
  }
  if (listing.files.length === 0) return <p className="text-sm text-muted-foreground">This deploy has no files: it cleared the code folders.</p>;
  return (
    <div className="grid min-w-0 gap-4 md:grid-cols-[20rem_minmax(0,1fr)]">
      <ul className="max-h-[60vh] overflow-y-auto rounded-md border text-sm" data-testid="deploy-files">
        {listing.files.map((f) => (
          <li key={f.path}>
            <button
              type="button"
              onClick={() => setSelected(f)}
              aria-current={selected?.path === f.path || undefined}
              className={cn(
                "flex w-full items-baseline justify-between gap-2 px-3 py-1.5 text-left hover:bg-muted",
                selected?.path === f.path && "bg-muted font-medium",
              )}
            >
              <span className="min-w-0 font-mono text-xs [overflow-wrap:anywhere]">{f.path}</span>
              <span className="shrink-0 text-xs text-muted-foreground">{formatBytes(f.size)}</span>
            </button>
          </li>
        ))}
      </ul>
      <div className="min-w-0">
        {selected ? (
          <DeployFileView instanceId={instanceId} deployId={deployId} file={selected} />
        ) : (
          <p className="rounded-md border border-dashed p-6 text-center text-sm text-muted-foreground">Choose a file to see its content.</p>
        )}
      </div>
    </div>
  );
}
