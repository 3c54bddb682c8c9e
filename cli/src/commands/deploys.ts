import type { Command } from "commander";
import type { Deploy } from "../api/types";
import type { CliContext } from "../context";
import { CliError } from "../errors";
import { formatBytes, formatTime } from "../output/format";
import { canPrompt, confirm } from "../prompt";
import { followDeploy, timeoutOption, type FollowOptions } from "./deploy-follow";
import { colorStatus, instancePath, instanceSessionOf, withInstanceOption, type InstanceSession } from "./shared";

/** `picobase deploys list|rollback`. */
export function registerDeploys(program: Command, ctx: CliContext): void {
  const deploys = program.command("deploys").description("an instance's deploy history, and rolling back to an earlier deploy");
  addList(deploys, ctx);
  addRollback(deploys, ctx);
}

function addList(deploys: Command, ctx: CliContext): void {
  withInstanceOption(deploys.command("list"))
    .description("deploys of an instance, newest first")
    .action(async (_opts: unknown, cmd: Command) => {
      const session = await instanceSessionOf(ctx, cmd);
      const { out } = session;
      const list = await listDeploys(session);
      if (out.json) return out.printJson(list);
      if (list.length === 0) return out.line(`No deploys of ${session.instance.subdomain} yet: \`picobase deploy\` makes one.`);
      out.table(
        [
          { header: "#", value: (d: Deploy) => String(d.number) },
          { header: "status", value: (d) => colorStatus(out.colors, d.status) },
          { header: "files", value: (d) => String(d.fileCount) },
          { header: "size", value: (d) => formatBytes(d.sizeBytes) },
          { header: "author", value: (d) => d.author },
          { header: "created", value: (d) => formatTime(d.createdAt) },
          { header: "id", value: (d) => d.id },
        ],
        list,
      );
    });
}

function addRollback(deploys: Command, ctx: CliContext): void {
  withInstanceOption(deploys.command("rollback <deploy>"))
    .description("make an earlier deploy live again (its files; the data is not rolled back)")
    .option("-y, --yes", "do not ask for confirmation")
    .option("--no-wait", "return once the rollback is scheduled")
    .addOption(timeoutOption())
    .action(async (ref: string, opts: FollowOptions & { yes?: boolean }, cmd: Command) => {
      const session = await instanceSessionOf(ctx, cmd);
      const target = findDeploy(await listDeploys(session), ref);
      const question = `Make deploy #${target.number} of ${session.instance.subdomain} live again? Its files replace the live ones; the data stays as it is.`;
      if (!opts.yes && canPrompt(ctx.io) && !(await confirm(ctx.io, question))) throw new CliError("not rolled back.");
      const path = instancePath(session.instance, `/deploys/${encodeURIComponent(target.id)}/rollback`);
      const { deploy } = await session.api.request<{ deploy: Deploy }>("POST", path);
      await followDeploy(ctx, session, deploy, opts, "rollback");
    });
}

async function listDeploys(session: Pick<InstanceSession, "api" | "instance">): Promise<Deploy[]> {
  return (await session.api.request<{ deploys: Deploy[] }>("GET", instancePath(session.instance, "/deploys"))).deploys;
}

/** A deploy named by its id or its number (`3` or `#3`). */
function findDeploy(deploys: Deploy[], ref: string): Deploy {
  const number = /^#?\d+$/.test(ref) ? Number(ref.replace("#", "")) : undefined;
  const found = deploys.find((d) => d.id === ref || d.number === number);
  if (!found) throw new CliError(`no deploy "${ref}" of this instance: give its number or id (\`picobase deploys list\` shows them).`);
  return found;
}
