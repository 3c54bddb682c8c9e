import type { Deploy, DeployStatus, Instance } from "./api/types";
import { CliError } from "./errors";

const finalStatuses: ReadonlySet<DeployStatus> = new Set(["live", "failed", "superseded", "rolled_back"]);

/** What waiting needs; `sleep` and `now` are passed in so tests need no real timers. */
export type WaitDeps = {
  getDeploy: () => Promise<Deploy>;
  /** Whether the instance is meant to run now (a pending deploy then becomes live soon). */
  instanceMeantToRun: () => Promise<boolean>;
  onChange?: (deploy: Deploy) => void;
  sleep: (ms: number) => Promise<void>;
  now: () => number;
  timeoutMs: number;
  intervalMs?: number;
};

/**
 * Polls a deploy until it settles: a final status, or `pending` on an instance that is not meant
 * to run (it applies at its next start). A pending deploy of a running instance is about to be
 * switched to, so waiting goes on.
 */
export async function waitForDeploy(initial: Deploy, deps: WaitDeps): Promise<Deploy> {
  const started = deps.now();
  let deploy = initial;
  for (;;) {
    if (finalStatuses.has(deploy.status)) return deploy;
    if (deploy.status === "pending" && !(await deps.instanceMeantToRun())) return deploy;
    if (deps.now() - started >= deps.timeoutMs) {
      throw new CliError(
        `deploy #${deploy.number} is still ${deploy.status} after ${Math.round(deps.timeoutMs / 1000)} s; \`picobase deploys list\` shows how it ends.`,
      );
    }
    await deps.sleep(deps.intervalMs ?? 1000);
    const next = await deps.getDeploy();
    if (next.status !== deploy.status) deps.onChange?.(next);
    deploy = next;
  }
}

/** How a settled deploy reads for people, and whether it counts as a success. */
export function deployOutcome(deploy: Deploy, instance: Instance, verb: "deploy" | "rollback" = "deploy"): { ok: boolean; text: string } {
  const name = `Deploy #${deploy.number}`;
  switch (deploy.status) {
    case "live":
      return { ok: true, text: `${name} is live${verb === "rollback" ? " again" : ""} at ${instance.url}` };
    case "pending":
      return {
        ok: true,
        text: `${name} is stored; ${instance.subdomain} is stopped, so it applies at its next start (\`picobase instances start ${instance.subdomain}\`).`,
      };
    case "superseded":
      return { ok: true, text: `${name} was replaced by a later deploy.` };
    case "rolled_back":
      return { ok: true, text: `${name} went live, then was rolled back.` };
    case "failed":
      return { ok: false, text: `${name} failed; the previous version and its data are back.${deploy.message ? `\n${deploy.message}` : ""}` };
    case "deploying":
      return { ok: true, text: `${name} is deploying; \`picobase deploys list --instance ${instance.subdomain}\` shows how it ends.` };
  }
}
