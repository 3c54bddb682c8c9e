import type { Deploy, Instance } from "../../lib/db/schema";
import type { Logger } from "../logger";
import type { InstanceStore } from "../instances/instance-store";
import type { ObjectStorage } from "../storage/object-storage";
import type { FileOwner } from "../sync/tenant-file";
import type { TenantPaths } from "../tenant/paths";
import type { DeployRecords } from "./deploy-records";
import { installCode, installedDeploy } from "./install-code";

/**
 * What a start must do about the tenant's code first:
 * - `reinstall`: the live deploy's files are missing here (another host, a wiped folder): put them back;
 * - `switch`: the instance should run another deploy than the live one: a deploy or a rollback,
 *   which comes back to `previous` (and the data from before it) if it does not start.
 */
export type CodePlan = { kind: "reinstall"; deployId: string } | { kind: "switch"; target: Deploy; previous: Deploy | undefined };

/** The tenant code side of starts, for the lifecycle: which deploy to install, and recording how it went. */
export type TenantCode = ReturnType<typeof createTenantCode>;

export function createTenantCode(deps: { storage: ObjectStorage; log: Logger; records: DeployRecords; store: InstanceStore }) {
  const { records, store } = deps;
  return {
    /** Null when the code here is already what the instance should run (or it never had a deploy). */
    async plan(instance: Instance, paths: TenantPaths): Promise<CodePlan | null> {
      const live = await records.live(instance.id);
      if (instance.deployId === null || instance.deployId === live?.id) {
        // Without any deploy the folders are left as they are (an operator may manage them by hand).
        if (!live) return null;
        return (await installedDeploy(paths)) === live.id ? null : { kind: "reinstall", deployId: live.id };
      }
      return { kind: "switch", target: await records.get(instance.id, instance.deployId), previous: live };
    },

    install(instanceId: string, paths: TenantPaths, deployId: string | null, owner: FileOwner | undefined): Promise<void> {
      return installCode(deps, instanceId, paths, deployId, owner);
    },

    async begin(instanceId: string, plan: Extract<CodePlan, { kind: "switch" }>): Promise<void> {
      await records.setStatus(plan.target.id, "deploying");
      await store.recordEvent(instanceId, "deploying", `Deploying #${plan.target.number}.`);
    },

    async succeeded(instanceId: string, plan: Extract<CodePlan, { kind: "switch" }>): Promise<void> {
      const { target, previous } = plan;
      if (previous) {
        const rolledBack = previous.number > target.number;
        await records.setStatus(
          previous.id,
          rolledBack ? "rolled_back" : "superseded",
          rolledBack ? `Rolled back to #${target.number}.` : `Replaced by #${target.number}.`,
        );
      }
      await records.setStatus(target.id, "live");
      await store.recordEvent(instanceId, "deployed", `Deploy #${target.number} is live.`);
    },

    /** The switch did not work: the instance goes back to `previous`; `reason` (with log lines) is kept on the deploy. */
    async failed(instanceId: string, plan: Extract<CodePlan, { kind: "switch" }>, reason: string): Promise<void> {
      const { target, previous } = plan;
      await records.setStatus(target.id, "failed", reason);
      await store.update(instanceId, { deployId: previous?.id ?? null });
      const back = previous ? `deploy #${previous.number}` : "the code from before it";
      await store.recordEvent(
        instanceId,
        "deploy_failed",
        `Deploy #${target.number} failed; ${back} and the data from just before it are back. ${reason.split("\n")[0] ?? ""}`.trim(),
      );
    },
  };
}
