import type { Instance } from "../../lib/db/schema";
import type { Replication, ReplicationStatus, RestoreWindow } from "../replication/replication";
import type { InstanceController } from "./controller";
import type { InstanceStore } from "./instance-store";
import type { Lifecycle } from "./lifecycle";

/** What the backups page shows: replication, the continuous restore window, and stored snapshots. */
export type BackupsOverview = {
  replication: ReplicationStatus;
  window: RestoreWindow;
  restoreWindowDays: number;
  snapshots: { generation: number; createdAt: string; sizeBytes: number; reason: string | null }[];
};

/** Backups of one instance: what can be restored, restore in place, and clone into a new instance. */
export function createBackups(deps: {
  store: InstanceStore;
  lifecycle: Lifecycle;
  controller: InstanceController;
  replication: Replication | undefined;
  restoreWindowMs: number;
}) {
  const { store, lifecycle, controller, replication } = deps;
  return {
    async overview(id: string): Promise<BackupsOverview> {
      await store.get(id); // 404 for an unknown instance
      const status: ReplicationStatus = replication ? await replication.status(id) : { state: "off" };
      const storeDown = status.state === "replicating" && status.error !== null;
      const [window, snapshots] = await Promise.all([
        // With the store unreachable the window is unknown (the status says why); listing it would only wait.
        replication && !storeDown ? replication.window(id).catch(() => null) : null,
        store.listSnapshots(id),
      ]);
      return {
        replication: status,
        window,
        restoreWindowDays: Math.round(deps.restoreWindowMs / 86_400_000),
        snapshots: snapshots.map((s) => ({ generation: s.generation, createdAt: s.createdAt.toISOString(), sizeBytes: s.sizeBytes, reason: s.reason })),
      };
    },

    /** Restores in place; resolves when done (the instance runs again if it was meant to). */
    async restore(id: string, at: Date): Promise<{ instance: Instance; safetyGeneration: number }> {
      await store.get(id);
      const { safetyGeneration } = await lifecycle.restoreTo(id, at);
      return { instance: await store.get(id), safetyGeneration };
    },

    /** Creates an instance of the same owner holding the source's state at `at`; removed again if that fails. */
    async clone(sourceId: string, input: { name: string; subdomain: string; at: Date }, quota?: number): Promise<Instance> {
      const source = await store.get(sourceId);
      const clone = await controller.create(source.ownerId, { name: input.name, subdomain: input.subdomain }, quota);
      try {
        await store.update(clone.id, { desiredState: "running" });
        await lifecycle.cloneInto(sourceId, clone.id, input.at);
      } catch (err) {
        await controller.remove(clone.id); // all or nothing: no half-filled clone
        throw err;
      }
      return store.get(clone.id);
    },
  };
}

export type Backups = ReturnType<typeof createBackups>;
