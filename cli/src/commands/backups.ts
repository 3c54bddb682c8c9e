import fs from "node:fs";
import path from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { Command } from "commander";
import type { Backups, Instance } from "../api/types";
import { fileBody } from "../bundle/upload-body";
import type { CliContext } from "../context";
import { sessionOf } from "../context";
import { CliError, UsageError } from "../errors";
import { formatBytes, formatTime } from "../output/format";
import { uploadProgress } from "../output/progress";
import { canPrompt, confirm } from "../prompt";
import { instancePath, instanceSessionOf, withInstanceOption } from "./shared";

const UNITS: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** A moment given as an ISO date-time, or as a time ago: `90s`, `15m`, `2h`, `3d`. */
export function parseMoment(value: string, now = Date.now()): string {
  const ago = /^(\d+)([smhd])$/.exec(value.trim());
  if (ago?.[1] && ago[2]) return new Date(now - Number(ago[1]) * (UNITS[ago[2]] ?? 0)).toISOString();
  const at = Date.parse(value);
  if (Number.isNaN(at)) throw new UsageError(`--to takes an ISO date-time (2026-11-26T21:03:00Z) or a time ago (15m, 2h, 3d), not ${JSON.stringify(value)}.`);
  return new Date(at).toISOString();
}

/** `picobase backups|restore|clone|download|import`: continuous backups, point-in-time restore, and moving in and out. */
export function registerBackups(program: Command, ctx: CliContext): void {
  withInstanceOption(program.command("backups"))
    .description("replication status, the restore window and stored snapshots")
    .action(async (_opts: unknown, cmd: Command) => {
      const { out, api, instance } = await instanceSessionOf(ctx, cmd);
      const backups = await api.request<Backups>("GET", instancePath(instance, "/backups"));
      if (out.json) return out.printJson(backups);
      const r = backups.replication;
      if (r.state === "off") out.line("Continuous backup: not running (the instance is stopped; its data was stored when it stopped).");
      else if (r.error || r.lagSeconds >= 5)
        out.line(`Continuous backup: lagging ${r.lagSeconds} s, ${r.pendingTransactions} change(s) waiting. ${r.error ?? ""}`.trim());
      else out.line(`Continuous backup: up to date (last change stored ${formatTime(r.lastReplicatedAt)}).`);
      out.line(
        backups.window
          ? `Restorable from ${formatTime(backups.window.from)} to now (window: ${backups.restoreWindowDays} days).`
          : "No continuous backup stored yet.",
      );
      if (backups.snapshots.length === 0) return;
      out.table(
        [
          { header: "snapshot", value: (s: Backups["snapshots"][number]) => String(s.generation) },
          { header: "taken", value: (s) => formatTime(s.createdAt) },
          { header: "size", value: (s) => formatBytes(s.sizeBytes) },
          { header: "reason", value: (s) => s.reason ?? "" },
        ],
        backups.snapshots,
      );
    });

  withInstanceOption(program.command("restore"))
    .description("put the instance back to how it was at a moment (its current state is kept as a snapshot first)")
    .requiredOption("--to <moment>", "an ISO date-time, or a time ago such as 15m, 2h, 3d")
    .option("-y, --yes", "do not ask for confirmation (required when not on a terminal)")
    .action(async (opts: { to: string; yes?: boolean }, cmd: Command) => {
      const at = parseMoment(opts.to);
      const { out, api, instance } = await instanceSessionOf(ctx, cmd);
      if (!opts.yes) {
        if (!canPrompt(ctx.io)) throw new UsageError("restoring needs --yes when not on a terminal.");
        const question = `Restore ${instance.subdomain} to ${formatTime(at)}? Changes since then disappear from it (a snapshot keeps them).`;
        if (!(await confirm(ctx.io, question))) throw new CliError("not restored.");
      }
      out.note(`Restoring ${instance.subdomain} to ${formatTime(at)}…`);
      const answer = await api.request<{ instance: Instance; safetyGeneration: number }>("POST", instancePath(instance, "/restore"), { json: { at } });
      if (out.json) return out.printJson(answer);
      out.line(
        `Restored ${instance.subdomain} to ${formatTime(at)}; it is ${answer.instance.status}. Snapshot ${answer.safetyGeneration} keeps the state from before.`,
      );
    });

  withInstanceOption(program.command("clone"))
    .description("create a new instance holding this one's state at a moment")
    .requiredOption("--to <moment>", "an ISO date-time, or a time ago such as 15m, 2h, 3d")
    .requiredOption("--name <name>", "the new instance's name")
    .requiredOption("--subdomain <subdomain>", "the new instance's subdomain")
    .action(async (opts: { to: string; name: string; subdomain: string }, cmd: Command) => {
      const at = parseMoment(opts.to);
      const { out, api, instance } = await instanceSessionOf(ctx, cmd);
      out.note(`Cloning ${instance.subdomain} as of ${formatTime(at)} into ${opts.subdomain}…`);
      const { instance: clone } = await api.request<{ instance: Instance }>("POST", instancePath(instance, "/clone"), {
        json: { at, name: opts.name, subdomain: opts.subdomain },
      });
      if (out.json) return out.printJson(clone);
      out.line(`Created ${clone.subdomain} (${clone.url}), ${clone.status}.`);
    });

  withInstanceOption(program.command("download"))
    .description("save the instance as a PocketBase directory (.tar.gz) that `pocketbase serve` runs")
    .option("-o, --output <file>", "where to save it (default: the name the platform suggests, here)")
    .action(async (opts: { output?: string }, cmd: Command) => {
      const { out, api, instance } = await instanceSessionOf(ctx, cmd);
      out.note(`Preparing ${instance.subdomain}'s download…`);
      const res = await api.response("GET", instancePath(instance, "/download"));
      const suggested = /filename="([^"/\\]+)"/.exec(res.headers.get("content-disposition") ?? "")?.[1] ?? `${instance.subdomain}.tar.gz`;
      const file = path.resolve(opts.output ?? suggested);
      if (!res.body) throw new CliError("the download came back empty.");
      await pipeline(Readable.fromWeb(res.body as import("node:stream/web").ReadableStream<Uint8Array>), fs.createWriteStream(file, { flags: "wx" }));
      const size = fs.statSync(file).size;
      if (out.json) return out.printJson({ file, sizeBytes: size });
      out.line(`Saved ${formatBytes(size)} to ${file}. Run it with: tar xzf ${path.basename(file)} && pocketbase serve --dir pb_data --publicDir pb_public`);
    });

  program
    .command("import <zip>")
    .description("create an instance from an existing PocketBase: its backup zip (admin UI → Settings → Backups) or a zipped pb_data")
    .requiredOption("--name <name>", "the new instance's name")
    .requiredOption("--subdomain <subdomain>", "the new instance's subdomain")
    .action(async (zip: string, opts: { name: string; subdomain: string }, cmd: Command) => {
      const { out, api } = await sessionOf(ctx, cmd);
      const size = fs.statSync(zip).size;
      const progress = uploadProgress(ctx.io.stderr, size);
      let instance: Instance;
      try {
        const body = await fileBody(zip, (sent) => progress.update(sent));
        const headers = { "content-type": "application/zip", "content-length": String(size) };
        ({ instance } = await api.request<{ instance: Instance }>("POST", "/api/instances/import", { body, headers, query: opts }));
      } finally {
        progress.stop();
      }
      if (out.json) return out.printJson(instance);
      out.line(`Imported ${instance.subdomain} (${instance.url}), ${instance.status}.`);
    });
}
