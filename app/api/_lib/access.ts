import { authenticateCaller, type Caller } from "@/lib/auth/request-auth";
import { getDb, type Actor } from "@/lib/data/context";
import { getInstance, getInstanceForKey } from "@/lib/data/instances";
import type { InstanceJson } from "@/lib/orchestrator-client";
import { NotFoundError } from "@/lib/errors";

/**
 * Resolves the instance a request addresses and checks the caller may use it: its owner, or
 * (where `allowKey`) an API key of that very instance. Anything else is 404, never 403.
 */
export async function accessInstance(req: Request, id: string, allowKey: boolean): Promise<{ caller: Caller; instance: InstanceJson }> {
  const caller = await authenticateCaller(req, allowKey);
  const db = await getDb();
  if (caller.kind === "key") {
    if (caller.instanceId !== id) throw new NotFoundError("Instance not found.");
    return { caller, instance: await getInstanceForKey(db, id) };
  }
  return { caller, instance: await getInstance(db, caller.user, id) };
}

/** The signed-in user (no API keys). */
export async function requireSessionUser(req: Request): Promise<Actor> {
  const caller = await authenticateCaller(req, false);
  if (caller.kind !== "user") throw new NotFoundError();
  return caller.user;
}
