import { Resolver } from "node:dns/promises";
import { hasVerificationToken, verificationName } from "../../lib/domains";

/**
 * What one look at a custom domain's DNS found: `verified` (ownership TXT and routing both right),
 * `failed` (a definite answer says a record is missing or wrong: `error` says which), or
 * `unknown` (the lookup itself failed: a timeout or a server failure says nothing about the records).
 */
type DnsVerdict = { result: "verified" } | { result: "failed"; error: string } | { result: "unknown"; error: string };

/** Answers that say "this name or record does not exist", as opposed to "could not find out". */
const DEFINITE_ABSENCE = new Set(["ENOTFOUND", "ENODATA", "NXDOMAIN", "ENONAME"]);

export type DnsCheck = (hostname: string, token: string, target: string) => Promise<DnsVerdict>;

/**
 * Checks a custom domain against DNS through `servers` (`ip` or `ip:port`; the system's resolvers
 * when empty): the TXT record `_picobase.<hostname>` must hold the domain's token, and the name
 * must be a CNAME to `target` (`<sub>.<base>`) or, for an apex that cannot have a CNAME, resolve to
 * one of `target`'s addresses.
 */
export function createDnsCheck(opts: { servers: string[]; timeoutMs?: number }): DnsCheck {
  const resolver = new Resolver({ timeout: opts.timeoutMs ?? 3_000, tries: 2 });
  if (opts.servers.length > 0) resolver.setServers(opts.servers);

  return async (hostname, token, target) => {
    const txtName = verificationName(hostname);
    const txt = await lookup(() => resolver.resolveTxt(txtName));
    if (txt.kind === "error") return { result: "unknown", error: `Looking up ${txtName} failed (${txt.code}); it will be retried.` };
    if (txt.kind === "absent" || !hasVerificationToken(txt.value, token)) {
      return { result: "failed", error: `The TXT record ${txtName} with this domain's verification value was not found.` };
    }

    const cname = await lookup(() => resolver.resolveCname(hostname));
    if (cname.kind === "error") return { result: "unknown", error: `Looking up ${hostname} failed (${cname.code}); it will be retried.` };
    if (cname.kind === "found") {
      if (cname.value.some((v) => sameName(v, target))) return { result: "verified" };
      return { result: "failed", error: `${hostname} is a CNAME to ${cname.value.join(", ")}, not to ${target}.` };
    }
    // No CNAME (an apex domain): its addresses must be the instance's.
    const [own, wanted] = await Promise.all([addresses(resolver, hostname), addresses(resolver, target)]);
    if (own === null || wanted === null) return { result: "unknown", error: `Looking up the addresses of ${hostname} failed; it will be retried.` };
    if (own.length === 0) return { result: "failed", error: `${hostname} has no CNAME to ${target} (nor any address).` };
    if (own.some((a) => wanted.includes(a))) return { result: "verified" };
    return { result: "failed", error: `${hostname} points to ${own.join(", ")}, not to ${target}. Add a CNAME to ${target}.` };
  };
}

type Lookup<T> = { kind: "found"; value: T } | { kind: "absent" } | { kind: "error"; code: string };

async function lookup<T>(query: () => Promise<T>): Promise<Lookup<T>> {
  try {
    return { kind: "found", value: await query() };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? "ERROR";
    return DEFINITE_ABSENCE.has(code) ? { kind: "absent" } : { kind: "error", code };
  }
}

/** A and AAAA addresses of `name` (empty when it has none), or null when a lookup failed. */
async function addresses(resolver: Resolver, name: string): Promise<string[] | null> {
  const [v4, v6] = await Promise.all([lookup(() => resolver.resolve4(name)), lookup(() => resolver.resolve6(name))]);
  if (v4.kind === "error" || v6.kind === "error") return null;
  return [...(v4.kind === "found" ? v4.value : []), ...(v6.kind === "found" ? v6.value : [])];
}

function sameName(a: string, b: string): boolean {
  return a.toLowerCase().replace(/\.$/, "") === b.toLowerCase().replace(/\.$/, "");
}
