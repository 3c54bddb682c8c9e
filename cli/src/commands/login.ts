import type { Command } from "commander";
import { createApiClient } from "../api/client";
import type { BearerSecret } from "../api/types";
import { normalizeUrl, removeLogin, writeLogin } from "../config";
import { outputOf, type CliContext } from "../context";
import { CliError, UsageError } from "../errors";
import { ask, askHidden, canPrompt } from "../prompt";

type LoginOptions = { url?: string; token?: string };

/** `picobase login` and `picobase logout`. */
export function registerLogin(program: Command, ctx: CliContext): void {
  program
    .command("login")
    .description("save the dashboard URL and an account token (checked first)")
    .option("--url <url>", "the dashboard's address, e.g. https://picobase.example.com")
    .option("--token <token>", "an account token (pbt_…); asked for without echo when omitted on a terminal")
    .addHelpText("after", "\nCreate an account token in the dashboard under Account. In CI, set PICOBASE_URL and PICOBASE_TOKEN instead.")
    .action((opts: LoginOptions, cmd: Command) => login(ctx, cmd, opts));

  program
    .command("logout")
    .description("forget the saved login (the token itself stays valid until revoked in the dashboard)")
    .action(async (_opts: unknown, cmd: Command) => {
      const out = outputOf(ctx, cmd);
      const removed = await removeLogin(ctx.env.configDir);
      if (out.json) out.printJson({ loggedOut: removed });
      else out.line(removed ? "Logged out. The token still works until you revoke it in the dashboard." : "Not logged in.");
    });
}

async function login(ctx: CliContext, cmd: Command, opts: LoginOptions): Promise<void> {
  const out = outputOf(ctx, cmd);
  const url = normalizeUrl(opts.url ?? (await promptFor(ctx, "Dashboard URL: ", "--url")));
  const token = (opts.token ?? (await promptFor(ctx, "Account token (pbt_…): ", "--token", true))).trim();
  checkTokenShape(token);
  const api = createApiClient({ url, token, fetch: ctx.fetch, unauthorizedHint: "Check the token: it must be a live account token (pbt_…)." });
  const { tokens } = await api.request<{ tokens: BearerSecret[] }>("GET", "/api/account/tokens");
  const current = tokens.find((t) => token.startsWith(`${t.prefix}_`));
  const file = await writeLogin(ctx.env.configDir, { url, token });
  if (out.json) out.printJson({ url, token: current ? { id: current.id, name: current.name, prefix: current.prefix } : null, configFile: file });
  else out.line(`Logged in to ${url}${current ? ` with token "${current.name}"` : ""}; saved to ${file}.`);
  if (ctx.env.token || ctx.env.url) out.note("Note: PICOBASE_URL or PICOBASE_TOKEN is set in this shell and overrides the saved login.");
}

async function promptFor(ctx: CliContext, question: string, flag: string, hidden = false): Promise<string> {
  if (!canPrompt(ctx.io)) throw new UsageError(`${flag} is required when not on a terminal.`);
  const answer = hidden ? await askHidden(ctx.io, question) : await ask(ctx.io, question);
  if (!answer) throw new UsageError(`${flag} is required.`);
  return answer;
}

/** A wrong kind of secret gets a precise message before any request. */
function checkTokenShape(token: string): void {
  if (token.startsWith("pbk_")) {
    throw new CliError("that is an instance API key (pbk_…); login needs an account token (pbt_…), created under Account in the dashboard.");
  }
  if (!token.startsWith("pbt_")) throw new CliError("that is not an account token: account tokens start with pbt_.");
}
