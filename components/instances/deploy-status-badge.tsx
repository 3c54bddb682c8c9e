import { Loader2 } from "lucide-react";
import { Badge } from "@/components/ui/badge";
import type { DeployJson } from "@/lib/orchestrator-client";

type DeployStatus = DeployJson["status"];

const looks: Record<DeployStatus, { label: string; tone: "neutral" | "green" | "amber" | "red" }> = {
  pending: { label: "Pending", tone: "amber" },
  deploying: { label: "Deploying", tone: "amber" },
  live: { label: "Live", tone: "green" },
  failed: { label: "Failed", tone: "red" },
  superseded: { label: "Superseded", tone: "neutral" },
  rolled_back: { label: "Rolled back", tone: "neutral" },
};

/** A deploy's status as a coloured pill (spinner while it is being applied). */
export function DeployStatusBadge({ status }: { status: DeployStatus }) {
  const { label, tone } = looks[status];
  return (
    <Badge tone={tone} data-deploy-status={status}>
      {status === "deploying" ? <Loader2 className="size-3 animate-spin" aria-hidden /> : <span className="size-1.5 rounded-full bg-current" aria-hidden />}
      {label}
    </Badge>
  );
}
