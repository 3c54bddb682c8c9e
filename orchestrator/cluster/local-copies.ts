import fs from "node:fs/promises";
import type { Lifecycle } from "../instances/lifecycle";
import type { Logger } from "../logger";
import { createPeriodicTask } from "../tools/periodic-task";
import type { ClusterStore } from "./cluster-store";

/** Names of tenant folders (instance ids); anything else under the tenants folder is not ours to delete. */
const INSTANCE_ID = /^[a-z0-9]+$/;

/**
 * Deletes this node's copies of instances it will never start from (docs/scale-out.md): deleted
 * instances (their deletion ran on another node) and instances another node has run since (moved
 * by a drain, or taken over). Their data is in the object store; here they only take disk space, a
 * volume image each. Runs at startup and then every `intervalMs`, and for one instance after a drain
 * moved it.
 */
export function createLocalCopies(deps: {
  tenantsDir: string;
  store: Pick<ClusterStore, "supersededCopies">;
  lifecycle: Pick<Lifecycle, "dropLocalCopy">;
  intervalMs: number;
  log: Logger;
}) {
  const { log } = deps;
  const superseded = async (id: string) => (await deps.store.supersededCopies([id])).length === 1;

  /** Deletes the instance's copy here if it is superseded (checked again once nothing else acts on it). */
  const dropIfSuperseded = (id: string): Promise<boolean> => deps.lifecycle.dropLocalCopy(id, () => superseded(id));

  async function sweep(): Promise<void> {
    const entries = await fs.readdir(deps.tenantsDir, { withFileTypes: true }).catch((err: NodeJS.ErrnoException) => {
      if (err.code === "ENOENT") return [];
      throw err;
    });
    const ids = entries.filter((e) => e.isDirectory() && INSTANCE_ID.test(e.name)).map((e) => e.name);
    if (ids.length === 0) return;
    const dropped: string[] = [];
    for (const id of await deps.store.supersededCopies(ids)) {
      try {
        if (await dropIfSuperseded(id)) dropped.push(id);
      } catch (err) {
        log.warn({ err, instanceId: id }, "deleting a superseded local copy failed");
      }
    }
    if (dropped.length > 0) log.info({ dropped }, "deleted local copies of instances other nodes run now (or that were deleted)");
  }

  const task = createPeriodicTask({
    intervalMs: deps.intervalMs,
    runAtStart: true,
    run: sweep,
    onError: (err) => log.warn({ err }, "sweeping local copies failed"),
  });
  return { dropIfSuperseded, sweep: task.runNow, start: task.start, stop: task.stop };
}

export type LocalCopies = ReturnType<typeof createLocalCopies>;
