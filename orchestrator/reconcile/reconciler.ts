import type { Instance } from "../../lib/db/schema";
import type { InstanceStore } from "../instances/instance-store";
import type { Lifecycle } from "../instances/lifecycle";
import type { Logger } from "../logger";
import type { Supervisor } from "../supervisor/create-supervisor";
import type { Cluster } from "../cluster/cluster";
import { createPeriodicTask } from "../tools/periodic-task";

/** What one instance needs to converge to its desired state, decided from facts alone. */
export type Action = "start" | "stop" | "flush" | "retry-upload" | null;

/** Pure decision: `live` is whether a process runs here; `retryDue` gates upload retries. */
export function decide(instance: Pick<Instance, "desiredState" | "status">, live: boolean, retryDue: boolean): Action {
  if (instance.desiredState === "running" && !live) {
    if (instance.status === "failed") return null; // a failed start waits for the user
    if (instance.status === "sync_failed") return retryDue ? "retry-upload" : null;
    return "start";
  }
  if (instance.desiredState === "stopped" && live) return "stop";
  if (!live && (instance.status === "running" || instance.status === "starting" || instance.status === "stopping")) {
    return "flush"; // left mid-flight by a crash: upload what the local copy has, then mark stopped
  }
  if (!live && instance.status === "sync_failed") return retryDue ? "retry-upload" : null;
  return null;
}

/**
 * Converges actual state to the DB's desired state: on boot (after killing orphans of a previous
 * run) and then periodically. Failed uploads are retried with a growing delay.
 */
export function createReconciler(deps: {
  store: InstanceStore;
  lifecycle: Lifecycle;
  supervisor: Supervisor;
  /** Which node acts on an instance no process runs here: the one placement chooses (cluster/placement.ts). */
  placement: Pick<Cluster, "shouldPlaceHere">;
  tenantsDir: string;
  intervalMs: number;
  log: Logger;
  now?: () => number;
}) {
  const { store, lifecycle, log } = deps;
  const now = deps.now ?? Date.now;
  const retries = new Map<string, { attempts: number; nextAt: number }>();

  function retryDue(id: string): boolean {
    const r = retries.get(id);
    return !r || r.nextAt <= now();
  }

  function noteRetry(id: string, instance: Instance | undefined): void {
    if (instance?.status !== "sync_failed") return void retries.delete(id);
    const attempts = (retries.get(id)?.attempts ?? 0) + 1;
    retries.set(id, { attempts, nextAt: now() + Math.min(5_000 * 2 ** (attempts - 1), 300_000) });
  }

  async function act(instance: Instance, action: Exclude<Action, null>): Promise<void> {
    const id = instance.id;
    if (action === "start") await lifecycle.start(id);
    else if (action === "stop" || action === "flush") await lifecycle.stop(id);
    else await lifecycle.retryUpload(id);
    noteRetry(id, await store.find(id));
  }

  /** The instance's action on this node: decided here for one running here, else only by the node placement chooses. */
  async function actionHere(instance: Instance): Promise<Action> {
    const live = lifecycle.get(instance.id) !== undefined;
    const action = decide(instance, live, retryDue(instance.id));
    if (!action || live) return action;
    return (await deps.placement.shouldPlaceHere(instance.id)) ? action : null;
  }

  async function tick(): Promise<void> {
    const unsettled = await store.listUnsettled();
    const work = unsettled.map(async (instance) => {
      if (lifecycle.busy(instance.id)) return;
      const action = await actionHere(instance);
      if (!action) return;
      await act(instance, action).catch(async (err) => {
        log.warn({ err, instanceId: instance.id, action }, "reconcile action failed");
        noteRetry(instance.id, await store.find(instance.id));
      });
    });
    await Promise.all(work);
  }

  const task = createPeriodicTask({
    intervalMs: deps.intervalMs,
    runAtStart: true,
    run: tick,
    onError: (err) => log.error({ err }, "reconcile failed"),
  });

  return {
    /** Stops PocketBase processes left by a previous orchestrator; run before serving anything. */
    async sweepOrphans(): Promise<void> {
      const orphans = await deps.supervisor.sweepOrphans(deps.tenantsDir);
      if (orphans.length) log.warn({ orphans }, "stopped PocketBase processes left by a previous run");
    },
    /** Converges now (or joins the pass in flight); never rejects. */
    tick: task.runNow,
    /** Converges now, then `intervalMs` after each pass ends. */
    start: task.start,
    /** Ends the loop and waits for the pass in flight. */
    stop: task.stop,
  };
}
