import type { InstanceStatus } from "../../lib/db/schema";

/**
 * Statuses an orchestrator that stopped without finishing (a crash, a kill) can leave recorded
 * while nothing runs: a start or a final upload after it takes them like their settled twins.
 * The lifecycle only asks for these transitions when no process of the instance runs here.
 */
const INTERRUPTED = ["starting", "running", "stopping"] as const satisfies readonly InstanceStatus[];

type Transition = { from: readonly InstanceStatus[]; to: InstanceStatus; event: string };

/**
 * Every change of an instance's recorded status: the statuses it may come from, the one it goes
 * to, and the event the owner's timeline gets. Nothing else writes `status` (instance-store.ts
 * applies these with a conditional update; anything else is refused).
 */
export const TRANSITIONS = {
  /** A start begins (first start, wake, after a failure, after an interrupted run). */
  start: { from: ["stopped", "failed", "sync_failed", ...INTERRUPTED], to: "starting", event: "starting" },
  /** PocketBase answered its health check with the platform's settings applied. */
  started: { from: ["starting"], to: "running", event: "started" },
  /** The start did not succeed (restore, deploy, health check). */
  startFailed: { from: ["starting"], to: "failed", event: "failed" },
  /** Supervision gave up on a running instance (a crash loop, a restart that never got healthy). */
  gaveUp: { from: ["running"], to: "failed", event: "failed" },
  /** A stop begins: PocketBase gets SIGTERM, then the final upload. */
  stop: { from: ["running"], to: "stopping", event: "stopping" },
  /** Not running and its data stored (or nothing changed since the last snapshot). */
  stored: { from: ["stopping", "stopped", "failed", "sync_failed", ...INTERRUPTED], to: "stopped", event: "stopped" },
  /** Not running, and the final upload failed: local data kept, retried later. */
  storeFailed: { from: ["stopping", "stopped", "failed", "sync_failed", ...INTERRUPTED], to: "sync_failed", event: "sync_failed" },
  /** Its data was replaced with an earlier state while it was not running. */
  restored: { from: ["stopping", "stopped", "failed", "sync_failed", ...INTERRUPTED], to: "stopped", event: "restored" },
} as const satisfies Record<string, Transition>;

export type TransitionName = keyof typeof TRANSITIONS;

/** The status `name` leads to from `current`, or undefined when that transition is not allowed. */
export function nextStatus(current: InstanceStatus, name: TransitionName): InstanceStatus | undefined {
  const t: Transition = TRANSITIONS[name];
  return t.from.includes(current) ? t.to : undefined;
}
