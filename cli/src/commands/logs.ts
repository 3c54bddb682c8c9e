import { InvalidArgumentError, type Command } from "commander";
import type { CliContext } from "../context";
import { newLines } from "../log-tail";
import { instancePath, instanceSessionOf, withInstanceOption, type InstanceSession } from "./shared";

/** Lines fetched per poll while following: enough that a second's output rarely overflows it. */
const followWindow = 1000;

type LogsOptions = { lines: number; follow?: boolean };

/** `picobase logs [--lines N] [--follow]`: the tail of the instance's PocketBase output. */
export function registerLogs(program: Command, ctx: CliContext): void {
  withInstanceOption(program.command("logs"))
    .description("the tail of an instance's PocketBase log")
    .option("-n, --lines <count>", "how many lines (1-2000)", parseLines, 200)
    .option("-f, --follow", "keep printing new lines (every second) until interrupted")
    .action(async (opts: LogsOptions, cmd: Command) => {
      const session = await instanceSessionOf(ctx, cmd);
      if (!opts.follow) {
        const lines = await fetchLines(session, opts.lines);
        return session.out.json ? session.out.printJson(lines) : print(session, lines);
      }
      // Every poll fetches the same window, so consecutive tails overlap line for line.
      const window = await fetchLines(session, followWindow);
      print(session, window.slice(-opts.lines));
      await follow(ctx, session, window);
    });
}

function parseLines(value: string): number {
  const lines = Number(value);
  if (!Number.isInteger(lines) || lines < 1 || lines > 2000) throw new InvalidArgumentError("Give a whole number from 1 to 2000.");
  return lines;
}

async function fetchLines(session: InstanceSession, count: number): Promise<string[]> {
  return (await session.api.request<{ lines: string[] }>("GET", instancePath(session.instance, "/logs"), { query: { lines: count } })).lines;
}

/** With `--json`, each line is printed as a JSON string (one per line), so a stream stays parseable. */
function print(session: InstanceSession, lines: string[]): void {
  for (const line of lines) session.out.line(session.out.json ? JSON.stringify(line) : line);
}

/** Polls once a second and prints only the lines not seen yet; ends with the process (Ctrl-C). */
async function follow(ctx: CliContext, session: InstanceSession, shown: string[]): Promise<never> {
  let previous = shown;
  for (;;) {
    await ctx.sleep(1000);
    const current = await fetchLines(session, followWindow);
    print(session, newLines(previous, current));
    previous = current;
  }
}
