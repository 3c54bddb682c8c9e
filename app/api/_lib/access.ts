import { authenticateCaller, type Caller } from "@/lib/auth/request-auth";
import { getDb, type Actor } from "@/lib/data/context";
import { getInstance, getInstanceForKey } from "@/lib/data/instances";
import type { InstanceJson } from "@/lib/orchestrator-client";
import { NotFoundError } from "@/lib/errors";

/**
 * Resolves the instance a request addresses and checks the caller may use it: its owner (signed
 * in or by account token), or (where `allowKey`) an API key of that very instance. Anything else
 * is 404, never 403.
 */
export async function accessInstance(req: Request, id: string, allowKey: boolean): Promise<{ caller: Caller; instance: InstanceJson }> {
  const caller = await authenticateCaller(req, { instanceKeys: allowKey, accountTokens: true });
  const db = await getDb();
  if (caller.kind === "key") {
    if (caller.instanceId !== id) throw new NotFoundError("Instance not found.");
    return { caller, instance: await getInstanceForKey(db, id) };
  }
  return { caller, instance: await getInstance(db, caller.user, id) };
}

/**
 * The calling user: signed in, or by account token unless `accountTokens` is false (what a
 * token must never do, such as changing the password). Instance API keys are refused (403).
 */
export async function requireSessionUser(req: Request, options: { accountTokens?: boolean } = {}): Promise<Actor> {
  const caller = await authenticateCaller(req, { instanceKeys: false, accountTokens: options.accountTokens ?? true });
  if (caller.kind !== "user") throw new NotFoundError();
  return caller.user;
}
