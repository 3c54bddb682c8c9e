import fs from "node:fs";
import { Command } from "commander";
import { registerBackups } from "./commands/backups";
import { registerDeploy } from "./commands/deploy";
import { registerDeploys } from "./commands/deploys";
import { registerDomains } from "./commands/domains";
import { registerInstances } from "./commands/instances";
import { registerKeys } from "./commands/keys";
import { registerLogin } from "./commands/login";
import { registerLogs } from "./commands/logs";
import { registerOpen } from "./commands/open";
import { registerSecrets } from "./commands/secrets";
import type { CliContext } from "./context";

function packageVersion(): string {
  const pkg = JSON.parse(fs.readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string };
  return pkg.version;
}

/**
 * The `picobase` command tree. Commander's own failures (unknown command or option, missing
 * argument) throw instead of exiting, so `run` decides the exit code in one place.
 */
export function createProgram(ctx: CliContext): Command {
  const program = new Command("picobase")
    .description("Deploy and manage PocketBase instances on PicoBase.")
    .version(packageVersion(), "-v, --version")
    .option("--json", "print results as JSON (for scripts)")
    .configureHelp({ showGlobalOptions: true })
    .configureOutput({ writeOut: (text) => void ctx.io.stdout.write(text), writeErr: (text) => void ctx.io.stderr.write(text) })
    .showHelpAfterError("(run with --help for usage)")
    .exitOverride();
  registerLogin(program, ctx);
  registerInstances(program, ctx);
  registerDeploy(program, ctx);
  registerDeploys(program, ctx);
  registerSecrets(program, ctx);
  registerBackups(program, ctx);
  registerDomains(program, ctx);
  registerLogs(program, ctx);
  registerKeys(program, ctx);
  registerOpen(program, ctx);
  program.addHelpText(
    "after",
    "\nEnvironment: PICOBASE_URL and PICOBASE_TOKEN override the saved login; PICOBASE_INSTANCE is the default --instance.\nExit codes: 0 ok, 1 failure, 2 usage error.",
  );
  return program;
}
