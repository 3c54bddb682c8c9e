import type { Command } from "commander";
import { createApiClient, type ApiClient } from "./api/client";
import { loadCredentials } from "./config";
import type { CliEnv } from "./env";
import { createOutput, type Output } from "./output/output";
import type { PromptIo } from "./prompt";

/** The process's streams; tests pass their own. */
type Io = PromptIo & { stdout: NodeJS.WritableStream & { isTTY?: boolean } };

/** Everything a command depends on from outside, passed in by main.ts (no globals). */
export type CliContext = {
  env: CliEnv;
  io: Io;
  fetch: typeof fetch;
  sleep: (ms: number) => Promise<void>;
  now: () => number;
  platform: NodeJS.Platform;
};

/** What most commands start with: where to print and a client signed in with the saved or env credentials. */
export type Session = { out: Output; api: ApiClient };

/** The output for a command, honoring the global `--json`. */
export function outputOf(ctx: CliContext, cmd: Command): Output {
  const { json } = cmd.optsWithGlobals<{ json?: boolean }>();
  return createOutput(ctx.io, { json: json === true, noColor: ctx.env.noColor });
}

/** A client for the platform API with the credentials from the environment or `picobase login`. */
async function connect(ctx: CliContext): Promise<ApiClient> {
  const credentials = await loadCredentials(ctx.env);
  const unauthorizedHint =
    credentials.tokenFrom === "PICOBASE_TOKEN"
      ? "Check PICOBASE_TOKEN: it must be a live account token (pbt_…)."
      : "Run `picobase login` with a live account token.";
  return createApiClient({ url: credentials.url, token: credentials.token, fetch: ctx.fetch, unauthorizedHint });
}

/** Output plus a connected client. */
export async function sessionOf(ctx: CliContext, cmd: Command): Promise<Session> {
  return { out: outputOf(ctx, cmd), api: await connect(ctx) };
}
