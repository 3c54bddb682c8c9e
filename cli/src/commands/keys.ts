import type { Command } from "commander";
import type { BearerSecret } from "../api/types";
import type { CliContext } from "../context";
import { formatTime } from "../output/format";
import { instancePath, instanceSessionOf, withInstanceOption } from "./shared";

type CreatedKey = BearerSecret & { key: string };

/** `picobase keys create|list|revoke`: an instance's API keys (superuser access to its PocketBase API). */
export function registerKeys(program: Command, ctx: CliContext): void {
  const keys = program.command("keys").description("an instance's API keys (pbk_…): superuser access to its PocketBase API, start/stop and deploys");
  addCreate(keys, ctx);
  addList(keys, ctx);
  addRevoke(keys, ctx);
}

function addCreate(keys: Command, ctx: CliContext): void {
  withInstanceOption(keys.command("create <name>"))
    .description("create a key; it is shown once")
    .action(async (name: string, _opts: unknown, cmd: Command) => {
      const { out, api, instance } = await instanceSessionOf(ctx, cmd);
      const { key } = await api.request<{ key: CreatedKey }>("POST", instancePath(instance, "/keys"), { json: { name } });
      if (out.json) return out.printJson(key);
      out.note(`Created key "${key.name}" (${key.id}) for ${instance.subdomain}. Copy it now: it is not shown again.`);
      out.line(key.key);
    });
}

function addList(keys: Command, ctx: CliContext): void {
  withInstanceOption(keys.command("list"))
    .description("an instance's keys, revoked ones included (never their secrets)")
    .action(async (_opts: unknown, cmd: Command) => {
      const { out, api, instance } = await instanceSessionOf(ctx, cmd);
      const { keys: list } = await api.request<{ keys: BearerSecret[] }>("GET", instancePath(instance, "/keys"));
      if (out.json) return out.printJson(list);
      if (list.length === 0) return out.line(`No API keys for ${instance.subdomain}.`);
      out.table(
        [
          { header: "id", value: (k: BearerSecret) => k.id },
          { header: "name", value: (k) => k.name },
          { header: "prefix", value: (k) => k.prefix },
          { header: "created", value: (k) => formatTime(k.createdAt) },
          { header: "last used", value: (k) => formatTime(k.lastUsedAt) },
          { header: "revoked", value: (k) => (k.revokedAt ? out.colors.red(formatTime(k.revokedAt)) : "-") },
        ],
        list,
      );
    });
}

function addRevoke(keys: Command, ctx: CliContext): void {
  withInstanceOption(keys.command("revoke <keyId>"))
    .description("revoke a key at once (by its id or prefix)")
    .action(async (ref: string, _opts: unknown, cmd: Command) => {
      const { out, api, instance } = await instanceSessionOf(ctx, cmd);
      const id = keyIdOf(ref);
      await api.request("DELETE", instancePath(instance, `/keys/${encodeURIComponent(id)}`));
      if (out.json) return out.printJson({ revoked: id });
      out.line(`Revoked key ${id} of ${instance.subdomain}.`);
    });
}

/** A key's id from its id, its prefix (`pbk_<id>`) or the whole key. */
function keyIdOf(ref: string): string {
  return ref.startsWith("pbk_") ? (ref.split("_")[1] ?? ref) : ref;
}
