import { InvalidArgumentError, Option } from "commander";
import type { Deploy, Instance } from "../api/types";
import type { CliContext } from "../context";
import { deployOutcome, waitForDeploy } from "../deploy-wait";
import { CliError } from "../errors";
import { colorStatus, instancePath, type InstanceSession } from "./shared";

/** `--no-wait` and `--timeout`, shared by `deploy` and `deploys rollback`. */
export type FollowOptions = { wait: boolean; timeout: number };

/** The `--timeout <seconds>` option (default 300). */
export function timeoutOption(): Option {
  return new Option("--timeout <seconds>", "how long to wait for the deploy to settle").default(300).argParser(parseSeconds);
}

function parseSeconds(value: string): number {
  const seconds = Number(value);
  if (!Number.isInteger(seconds) || seconds <= 0) throw new InvalidArgumentError("Give a whole number of seconds.");
  return seconds;
}

/**
 * Waits for a deploy (or rollback) to settle unless `--no-wait`, then prints the outcome: the
 * deploy object with `--json`, a sentence otherwise. A failed deploy is an error (exit 1).
 */
export async function followDeploy(
  ctx: CliContext,
  session: InstanceSession,
  started: Deploy,
  opts: FollowOptions,
  verb: "deploy" | "rollback",
): Promise<void> {
  const { out, api, instance } = session;
  let deploy = started;
  if (opts.wait) {
    out.note(`Waiting for deploy #${started.number} to go live…`);
    deploy = await waitForDeploy(started, {
      getDeploy: async () => (await api.request<{ deploy: Deploy }>("GET", instancePath(instance, `/deploys/${encodeURIComponent(started.id)}`))).deploy,
      instanceMeantToRun: async () => (await api.request<{ instance: Instance }>("GET", instancePath(instance))).instance.desiredState === "running",
      onChange: (d) => out.note(`  deploy #${d.number}: ${colorStatus(out.colors, d.status)}`),
      sleep: ctx.sleep,
      now: ctx.now,
      timeoutMs: opts.timeout * 1000,
    });
  }
  const outcome = deployOutcome(deploy, instance, verb);
  if (out.json) out.printJson(deploy);
  else if (outcome.ok) out.line(opts.wait ? outcome.text : `Deploy #${deploy.number} is ${deploy.status}.`);
  if (!outcome.ok) throw new CliError(outcome.text);
}
