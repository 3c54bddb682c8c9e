import type { Command } from "commander";
import type { Secret } from "../api/types";
import type { CliContext } from "../context";
import { UsageError } from "../errors";
import { formatTime } from "../output/format";
import { instancePath, instanceSessionOf, withInstanceOption } from "./shared";

type SecretsAnswer = { secrets: Secret[]; restarted: boolean };
type Changes = { set?: Record<string, string>; unset?: string[] };

/** `picobase secrets list|set|unset`: environment variables for the instance's hooks; values are never shown. */
export function registerSecrets(program: Command, ctx: CliContext): void {
  const secrets = program.command("secrets").description("environment variables for an instance's hooks ($os.getenv); values are never shown");

  withInstanceOption(secrets.command("list"))
    .description("secret names and when each was set")
    .action(async (_opts: unknown, cmd: Command) => {
      const { out, api, instance } = await instanceSessionOf(ctx, cmd);
      const { secrets: list } = await api.request<{ secrets: Secret[] }>("GET", instancePath(instance, "/secrets"));
      if (out.json) return out.printJson(list);
      if (list.length === 0) return out.line(`No secrets on ${instance.subdomain}.`);
      out.table(
        [
          { header: "name", value: (s: Secret) => s.name },
          { header: "updated", value: (s) => formatTime(s.updatedAt) },
        ],
        list,
      );
    });

  withInstanceOption(secrets.command("set <NAME=VALUE...>"))
    .description("set secrets; a running instance restarts to read them")
    .option("--no-wait", "return before the restart is done")
    .action((pairs: string[], opts: { wait: boolean }, cmd: Command) => change(ctx, cmd, { set: parseAssignments(pairs) }, opts.wait));

  withInstanceOption(secrets.command("unset <NAME...>"))
    .description("remove secrets; a running instance restarts without them")
    .option("--no-wait", "return before the restart is done")
    .action((names: string[], opts: { wait: boolean }, cmd: Command) => change(ctx, cmd, { unset: [...new Set(names)] }, opts.wait));
}

async function change(ctx: CliContext, cmd: Command, changes: Changes, wait: boolean): Promise<void> {
  const { out, api, instance } = await instanceSessionOf(ctx, cmd);
  if (wait) out.note(`Saving; ${instance.subdomain} restarts if it is running…`);
  const answer = await api.request<SecretsAnswer>("PATCH", instancePath(instance, "/secrets"), { json: changes, query: { wait: wait ? 1 : undefined } });
  if (out.json) return out.printJson(answer);
  const names = changes.set ? Object.keys(changes.set) : (changes.unset ?? []);
  out.line(`${changes.set ? "Set" : "Unset"} ${names.join(", ")} on ${instance.subdomain}.`);
  if (!answer.restarted) out.line("No restart was needed: the instance is stopped (it reads its secrets at its next start) or nothing changed.");
  else out.line(wait ? "The instance restarted to apply the change." : "The instance is restarting to apply the change.");
}

/**
 * `NAME=VALUE` arguments as an object (the value may contain `=`; a later one wins). A malformed
 * argument is named by its position, never echoed, as it may be a pasted secret.
 */
function parseAssignments(args: string[]): Record<string, string> {
  const set: Record<string, string> = {};
  args.forEach((arg, index) => {
    const eq = arg.indexOf("=");
    if (eq <= 0) throw new UsageError(`argument ${index + 1} is not NAME=VALUE.`);
    set[arg.slice(0, eq)] = arg.slice(eq + 1);
  });
  return set;
}
