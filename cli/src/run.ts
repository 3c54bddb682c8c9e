import { CommanderError } from "commander";
import type { CliContext } from "./context";
import { exitCodeOf, formatError } from "./errors";
import { createProgram } from "./program";

/**
 * Runs one command line and returns the exit code: 0 ok, 1 failure (one `error: …` line on
 * stderr), 2 usage error (commander's, already printed by it, or ours).
 */
export async function run(argv: string[], ctx: CliContext): Promise<number> {
  try {
    await createProgram(ctx).parseAsync(argv, { from: "user" });
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 2;
    ctx.io.stderr.write(`${formatError(err)}\n`);
    if (ctx.env.debug && err instanceof Error)
      ctx.io.stderr.write(`${err.stack ?? ""}\n${err.cause instanceof Error ? `cause: ${err.cause.stack ?? err.cause.message}\n` : ""}`);
    return exitCodeOf(err);
  }
}
