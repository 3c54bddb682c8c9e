import { Option, type Command } from "commander";
import type { ApiClient } from "../api/client";
import type { Instance } from "../api/types";
import { sessionOf, type CliContext } from "../context";
import type { Colors } from "../output/colors";
import type { Output } from "../output/output";
import { instanceRefOf, resolveInstance } from "../resolve-instance";

/** A command's session plus the instance it is about. */
export type InstanceSession = { out: Output; api: ApiClient; instance: Instance };

/** Adds `-i, --instance`, the way every per-instance command names its instance. */
export function withInstanceOption(cmd: Command): Command {
  return cmd.addOption(new Option("-i, --instance <instance>", "the instance's subdomain or id (default: $PICOBASE_INSTANCE)"));
}

/** Connects and resolves the instance from the positional argument, `--instance` or PICOBASE_INSTANCE. */
export async function instanceSessionOf(ctx: CliContext, cmd: Command, positional?: string): Promise<InstanceSession> {
  const ref = instanceRefOf(positional, cmd.opts<{ instance?: string }>().instance, ctx.env.instance);
  const { out, api } = await sessionOf(ctx, cmd);
  return { out, api, instance: await resolveInstance(api, ref) };
}

/** An instance's API path: `/api/instances/<id><rest>`. */
export function instancePath(instance: Instance, rest = ""): string {
  return `/api/instances/${encodeURIComponent(instance.id)}${rest}`;
}

/** A status colored by how it reads: green is well, yellow is on the way, red needs attention. */
export function colorStatus(colors: Colors, status: string): string {
  if (status === "running" || status === "live" || status === "verified") return colors.green(status);
  if (["starting", "stopping", "deploying", "pending"].includes(status)) return colors.yellow(status);
  if (status === "failed" || status === "sync_failed" || status === "lost") return colors.red(status);
  return status;
}
