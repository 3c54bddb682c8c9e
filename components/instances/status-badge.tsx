import { Loader2 } from "lucide-react";
import { Badge } from "@/components/ui/badge";
import type { InstanceJson } from "@/lib/orchestrator-client";

const labels: Record<InstanceJson["status"], string> = {
  stopped: "Stopped",
  starting: "Starting",
  running: "Running",
  stopping: "Stopping",
  failed: "Failed",
  sync_failed: "Sync failed",
};

/** The instance's actual state as a coloured pill (spinner while it is changing). */
export function StatusBadge({ status }: { status: InstanceJson["status"] }) {
  const busy = status === "starting" || status === "stopping";
  const tone = status === "running" ? "green" : busy ? "amber" : status === "stopped" ? "neutral" : "red";
  return (
    <Badge tone={tone} data-status={status}>
      {busy ? <Loader2 className="size-3 animate-spin" aria-hidden /> : <span className="size-1.5 rounded-full bg-current" aria-hidden />}
      {labels[status]}
    </Badge>
  );
}
