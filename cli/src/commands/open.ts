import type { Command } from "commander";
import { openBrowser } from "../browser";
import type { CliContext } from "../context";
import { instancePath, instanceSessionOf, withInstanceOption } from "./shared";

/** `picobase open`: a one-time URL that opens the instance's PocketBase admin UI signed in. */
export function registerOpen(program: Command, ctx: CliContext): void {
  withInstanceOption(program.command("open [instance]"))
    .description("print a one-time admin sign-in URL, and open it in a browser when on a desktop terminal")
    .option("--no-browser", "only print the URL")
    .action(async (ref: string | undefined, opts: { browser: boolean }, cmd: Command) => {
      const { out, api, instance } = await instanceSessionOf(ctx, cmd, ref);
      const { url } = await api.request<{ url: string }>("POST", instancePath(instance, "/sso"));
      if (out.json) return out.printJson({ url });
      out.line(url);
      if (!opts.browser || !ctx.io.stdout.isTTY || !ctx.env.hasDisplay) return;
      const result = await openBrowser(url, ctx.platform);
      out.note(
        result.opened
          ? `Opened the ${instance.subdomain} admin UI in your browser (the URL works once).`
          : `Could not open a browser (${result.reason}); open the URL above.`,
      );
    });
}
