import { Option, type Command } from "commander";
import type { Instance } from "../api/types";
import { sessionOf, type CliContext } from "../context";
import { CliError, UsageError } from "../errors";
import { formatBytes, formatTime } from "../output/format";
import type { Output } from "../output/output";
import { ask, canPrompt } from "../prompt";
import { colorStatus, instancePath, instanceSessionOf, withInstanceOption } from "./shared";

type CreateOptions = { subdomain: string; template?: string };

/** `picobase instances list|create|start|stop|delete|status`. */
export function registerInstances(program: Command, ctx: CliContext): void {
  const instances = program.command("instances").description("list, create, start, stop, delete and inspect instances");
  addList(instances, ctx);
  addCreate(instances, ctx);
  for (const action of ["start", "stop"] as const) {
    withInstanceOption(instances.command(`${action} [instance]`))
      .description(`${action} an instance and wait until it is ${action === "start" ? "running" : "stopped"}`)
      .option("--no-wait", "return once the request is recorded")
      .action((ref: string | undefined, opts: { wait: boolean }, cmd: Command) => startOrStop(ctx, cmd, action, ref, opts.wait));
  }
  addDelete(instances, ctx);
  withInstanceOption(instances.command("status [instance]"))
    .description("an instance's state, URL, deploy and disk use")
    .action(async (ref: string | undefined, _opts: unknown, cmd: Command) => {
      const { out, instance } = await instanceSessionOf(ctx, cmd, ref);
      if (out.json) return out.printJson(instance);
      printStatus(out, instance);
    });
}

function addList(instances: Command, ctx: CliContext): void {
  instances
    .command("list")
    .description("your instances, newest first")
    .action(async (_opts: unknown, cmd: Command) => {
      const { out, api } = await sessionOf(ctx, cmd);
      const { instances: list, quota } = await api.request<{ instances: Instance[]; quota: number }>("GET", "/api/instances");
      if (out.json) return out.printJson(list);
      if (list.length === 0) return out.line("No instances yet: `picobase instances create <name> --subdomain <subdomain>` makes one.");
      out.table(
        [
          { header: "subdomain", value: (i: Instance) => i.subdomain },
          { header: "name", value: (i) => i.name },
          { header: "status", value: (i) => colorStatus(out.colors, i.status) },
          { header: "url", value: (i) => i.url },
          { header: "id", value: (i) => i.id },
        ],
        list,
      );
      out.note(`${list.length} of ${quota} instances`);
    });
}

function addCreate(instances: Command, ctx: CliContext): void {
  instances
    .command("create <name>")
    .description("create an instance (stopped until you start it)")
    .requiredOption("-s, --subdomain <subdomain>", "its subdomain: 3-63 lower-case letters, digits and hyphens")
    .option("-t, --template <template>", "start from a template (`moodboard`); its bundle is the first deploy")
    .action(async (name: string, opts: CreateOptions, cmd: Command) => {
      const { out, api } = await sessionOf(ctx, cmd);
      const body = { name, subdomain: opts.subdomain, ...(opts.template ? { template: opts.template } : {}) };
      const { instance } = await api.request<{ instance: Instance }>("POST", "/api/instances", { json: body });
      if (out.json) return out.printJson(instance);
      out.line(`Created ${instance.subdomain} (${instance.id}) at ${instance.url}.`);
      const first = opts.template ? ` Its first deploy (template ${opts.template}) applies then.` : "";
      out.note(`It is stopped: \`picobase instances start ${instance.subdomain}\` starts it.${first}`);
    });
}

function addDelete(instances: Command, ctx: CliContext): void {
  withInstanceOption(instances.command("delete [instance]"))
    .description("delete an instance with its data, snapshots and keys")
    .addOption(new Option("-y, --yes", "do not ask for confirmation (required when not on a terminal)"))
    .action(async (ref: string | undefined, opts: { yes?: boolean }, cmd: Command) => {
      const { out, api, instance } = await instanceSessionOf(ctx, cmd, ref);
      if (!opts.yes) await confirmDelete(ctx, instance);
      await api.request("DELETE", instancePath(instance));
      if (out.json) return out.printJson({ deleted: instance.id });
      out.line(`Deleted ${instance.subdomain}.`);
    });
}

async function startOrStop(ctx: CliContext, cmd: Command, action: "start" | "stop", ref: string | undefined, wait: boolean): Promise<void> {
  const { out, api, instance } = await instanceSessionOf(ctx, cmd, ref);
  if (wait) out.note(`${action === "start" ? "Starting" : "Stopping"} ${instance.subdomain}…`);
  const answer = await api.request<{ instance: Instance }>("POST", instancePath(instance, `/${action}`), { query: { wait: wait ? 1 : undefined } });
  if (out.json) return out.printJson(answer.instance);
  const after = answer.instance;
  if (!wait) return out.line(`${after.subdomain} is ${action === "start" ? "starting" : "stopping"} (${after.status} now).`);
  out.line(action === "start" ? `${after.subdomain} is ${after.status} at ${after.url}` : `${after.subdomain} is ${after.status}.`);
}

async function confirmDelete(ctx: CliContext, instance: Instance): Promise<void> {
  if (!canPrompt(ctx.io)) throw new UsageError("deleting an instance needs --yes when not on a terminal.");
  const answer = await ask(ctx.io, `This deletes ${instance.subdomain} with all its data, snapshots and keys. Type its subdomain to confirm: `);
  if (answer !== instance.subdomain) throw new CliError("not deleted: the subdomain did not match.");
}

function printStatus(out: Output, i: Instance): void {
  const disk = i.diskUsedBytes === null ? "-" : `${formatBytes(i.diskUsedBytes)}${i.diskQuotaBytes ? ` of ${formatBytes(i.diskQuotaBytes)}` : ""}`;
  const idle = i.idleTimeoutMinutes === null ? "platform default" : i.idleTimeoutMinutes === 0 ? "never" : `after ${i.idleTimeoutMinutes} min`;
  out.fields([
    ["Name", i.name],
    ["Subdomain", i.subdomain],
    ["ID", i.id],
    ["Status", `${colorStatus(out.colors, i.status)}${i.statusReason ? ` (${i.statusReason})` : ""}`],
    ["Desired", i.desiredState],
    ["URL", i.url],
    ["Deploy", i.deployId ?? "-"],
    ["Disk", disk],
    ["Idle stop", idle],
    ["Last started", formatTime(i.lastStartedAt)],
    ["Last stopped", formatTime(i.lastStoppedAt)],
    ["Created", formatTime(i.createdAt)],
  ]);
}
