"use client";

import { toast } from "sonner";
import { apiFetch } from "@/components/shared/api";
import { ConfirmDialog } from "@/components/shared/confirm-dialog";
import type { DeployJson } from "@/lib/orchestrator-client";

type Props = { instanceId: string; deploy: DeployJson; running: boolean; onDone: () => void };

/** "Roll back" on an earlier deploy: asks first, then makes it the live one again (the data stays as it is). */
export function RollbackDeployDialog({ instanceId, deploy, running, onDone }: Props) {
  const rollback = async () => {
    try {
      await apiFetch(`/api/instances/${instanceId}/deploys/${deploy.id}/rollback`, { method: "POST" });
    } catch (err) {
      toast.error(`Could not roll back to #${deploy.number}: ${(err as Error).message}`);
      throw err;
    }
    toast.success(`Rolling back to deploy #${deploy.number}.`);
    onDone();
  };
  return (
    <ConfirmDialog
      triggerLabel="Roll back"
      title={`Roll back to deploy #${deploy.number}?`}
      description={
        running ? "The instance restarts with that code; data is not rolled back." : "The instance runs that code from its next start; data is not rolled back."
      }
      confirmLabel="Roll back"
      onConfirm={rollback}
    />
  );
}
