import type { ApiClient } from "./api/client";
import type { Instance } from "./api/types";
import { CliError, UsageError } from "./errors";

/**
 * The instance a reference names: its id, its subdomain (any letter case) or its URL (or host). Ids and
 * subdomains cannot collide in practice (ids are 14 random characters), but an id wins if they do.
 */
export function findInstance(instances: Instance[], ref: string): Instance {
  const wanted = ref.trim();
  const byId = instances.find((i) => i.id === wanted);
  if (byId) return byId;
  const bySub = instances.find((i) => i.subdomain === wanted.toLowerCase());
  if (bySub) return bySub;
  const host = /[.:]/.test(wanted) ? hostOf(wanted) : undefined;
  const byUrl = host ? instances.find((i) => hostOf(i.url) === host) : undefined;
  if (byUrl) return byUrl;
  throw new CliError(`no instance "${wanted}" in your account: give its subdomain or id (\`picobase instances list\` shows them).`);
}

/** Looks the reference up among the caller's instances (GET /api/instances). */
export async function resolveInstance(api: ApiClient, ref: string): Promise<Instance> {
  const { instances } = await api.request<{ instances: Instance[] }>("GET", "/api/instances");
  return findInstance(instances, ref);
}

/** The instance a command is about: its argument, else `--instance`, else PICOBASE_INSTANCE. */
export function instanceRefOf(...candidates: Array<string | undefined>): string {
  const ref = candidates.find((c) => c !== undefined && c.trim() !== "");
  if (!ref) throw new UsageError("which instance? Pass --instance <subdomain|id> or set PICOBASE_INSTANCE.");
  return ref;
}

function hostOf(urlOrHost: string): string | undefined {
  try {
    return new URL(urlOrHost.includes("://") ? urlOrHost : `http://${urlOrHost}`).host.toLowerCase();
  } catch {
    return undefined; // not a URL or host: matches no instance URL
  }
}
