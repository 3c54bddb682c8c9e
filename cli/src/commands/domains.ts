import type { Command } from "commander";
import type { DnsRecord, Domain } from "../api/types";
import type { CliContext } from "../context";
import { CliError } from "../errors";
import { formatTime } from "../output/format";
import type { Output } from "../output/output";
import { canPrompt, confirm } from "../prompt";
import { colorStatus, instancePath, instanceSessionOf, withInstanceOption, type InstanceSession } from "./shared";

/** `picobase domains list|add|remove|check|primary`: an instance's custom domains and the DNS records each needs. */
export function registerDomains(program: Command, ctx: CliContext): void {
  const domains = program.command("domains").description("serve an instance at your own domain: add it, create the DNS records shown, check them");
  addList(domains, ctx);
  addAdd(domains, ctx);
  addRemove(domains, ctx);
  addCheck(domains, ctx);
  addPrimary(domains, ctx);
}

function addList(domains: Command, ctx: CliContext): void {
  withInstanceOption(domains.command("list"))
    .description("the instance's custom domains, their status, and the records still to create")
    .action(async (_opts: unknown, cmd: Command) => {
      const session = await instanceSessionOf(ctx, cmd);
      const list = await listDomains(session);
      if (session.out.json) return session.out.printJson(list);
      printDomains(session, list);
    });
}

function addAdd(domains: Command, ctx: CliContext): void {
  withInstanceOption(domains.command("add <hostname>"))
    .description("add a custom domain (such as api.example.com); it is checked at once and routed once its records are found")
    .action(async (hostname: string, _opts: unknown, cmd: Command) => {
      const session = await instanceSessionOf(ctx, cmd);
      const { out, api, instance } = session;
      const { domain } = await api.request<{ domain: Domain }>("POST", instancePath(instance, "/domains"), { json: { hostname } });
      if (out.json) return out.printJson(domain);
      if (domain.status === "verified") return out.line(`Added ${domain.hostname} to ${instance.subdomain}: its records are in place, it is verified.`);
      out.line(`Added ${domain.hostname} to ${instance.subdomain}; it waits for its DNS records.`);
      printPending(out, domain);
      out.note(`Then run \`picobase domains check --instance ${instance.subdomain}\`, or wait: the platform checks again by itself.`);
    });
}

function addRemove(domains: Command, ctx: CliContext): void {
  withInstanceOption(domains.command("remove <domain>"))
    .description("remove a custom domain (by name or id): requests to it stop reaching the instance at once")
    .option("-y, --yes", "do not ask for confirmation")
    .action(async (ref: string, opts: { yes?: boolean }, cmd: Command) => {
      const session = await instanceSessionOf(ctx, cmd);
      const { out, api, instance } = session;
      const domain = findDomain(await listDomains(session), ref);
      const question = `Remove ${domain.hostname} from ${instance.subdomain}? Requests to it stop reaching the instance at once.`;
      if (!opts.yes && canPrompt(ctx.io) && !(await confirm(ctx.io, question))) throw new CliError("not removed.");
      await api.request("DELETE", instancePath(instance, `/domains/${encodeURIComponent(domain.id)}`));
      if (out.json) return out.printJson({ removed: domain.id, hostname: domain.hostname });
      out.line(`Removed ${domain.hostname} from ${instance.subdomain}. Its DNS records can be deleted now.`);
    });
}

function addCheck(domains: Command, ctx: CliContext): void {
  withInstanceOption(domains.command("check"))
    .description("look up every custom domain's DNS records now, instead of at the next periodic check")
    .action(async (_opts: unknown, cmd: Command) => {
      const session = await instanceSessionOf(ctx, cmd);
      const { domains: list } = await session.api.request<{ domains: Domain[] }>("POST", instancePath(session.instance, "/domains/check"));
      if (session.out.json) return session.out.printJson(list);
      printDomains(session, list);
    });
}

function addPrimary(domains: Command, ctx: CliContext): void {
  withInstanceOption(domains.command("primary <domain>"))
    .description("make a custom domain (by name or id) the primary one: PocketBase's app URL (mail links, OAuth redirects) once it is verified")
    .action(async (ref: string, _opts: unknown, cmd: Command) => {
      const session = await instanceSessionOf(ctx, cmd);
      const { out, api, instance } = session;
      const domain = findDomain(await listDomains(session), ref);
      const path = instancePath(instance, `/domains/${encodeURIComponent(domain.id)}/primary`);
      const { domains: list } = await api.request<{ domains: Domain[] }>("POST", path);
      if (out.json) return out.printJson(list);
      out.line(`${domain.hostname} is now the primary domain of ${instance.subdomain}.`);
      if (domain.status !== "verified") out.note("PocketBase's app URL switches to it once it is verified.");
    });
}

async function listDomains(session: Pick<InstanceSession, "api" | "instance">): Promise<Domain[]> {
  return (await session.api.request<{ domains: Domain[] }>("GET", instancePath(session.instance, "/domains"))).domains;
}

/** A domain named by its id or its name (any case, a trailing dot allowed). */
function findDomain(domains: Domain[], ref: string): Domain {
  const name = ref.trim().toLowerCase().replace(/\.$/, "");
  const found = domains.find((d) => d.id === ref || d.hostname === name);
  if (!found) throw new CliError(`no custom domain "${ref}" on this instance (\`picobase domains list\` shows them).`);
  return found;
}

/** The domains as a table, then the records each one not verified still needs. */
function printDomains({ out, instance }: InstanceSession, list: Domain[]): void {
  if (list.length === 0) return out.line(`No custom domains on ${instance.subdomain}: \`picobase domains add <hostname>\` adds one.`);
  out.table(
    [
      { header: "domain", value: (d: Domain) => d.hostname },
      { header: "status", value: (d) => colorStatus(out.colors, d.status) },
      { header: "primary", value: (d) => (d.isPrimary ? "yes" : "") },
      { header: "checked", value: (d) => formatTime(d.checkedAt) },
      { header: "id", value: (d) => d.id },
    ],
    list,
  );
  for (const domain of list.filter((d) => d.status !== "verified")) {
    out.line();
    out.line(`${domain.hostname} (${domain.status}):`);
    printPending(out, domain);
  }
}

/** The records to create at the DNS provider, and what the last check found missing. */
function printPending(out: Output, domain: Domain): void {
  out.line("Create these records at your DNS provider:");
  out.table(
    [
      { header: "type", value: (r: DnsRecord) => r.type },
      { header: "name", value: (r) => r.name },
      { header: "value", value: (r) => r.value },
    ],
    domain.records,
  );
  const target = domain.records.find((r) => r.type === "CNAME")?.value;
  if (target) out.line(`An apex domain (example.com) cannot be a CNAME: give it the same A/AAAA addresses as ${target} (or your provider's ALIAS to it).`);
  if (domain.lastError) out.line(`Last check: ${domain.lastError}`);
}
