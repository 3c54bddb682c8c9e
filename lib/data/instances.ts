import { and, desc, eq } from "drizzle-orm";
import type { Db } from "../db/client";
import { instanceEvents, instances } from "../db/schema";
import { NotFoundError } from "../errors";
import { instanceUrl, type PublicUrlSettings } from "../instance-url";
import { eventJson, instanceJson, type InstanceEventJson, type InstanceJson } from "../instance-json";
import { subdomainSchema } from "../validations/instance";
import type { Actor } from "./context";

/** An instance as the dashboard and platform API show it: public fields plus its URL. */
export type InstanceView = InstanceJson & { url: string };

/** Adds the public URL to an instance. */
export function instanceView(i: InstanceJson, urls: PublicUrlSettings): InstanceView {
  return { ...i, url: instanceUrl(i.subdomain, urls) };
}

/** The acting user's instances, newest first. */
export async function listInstances(db: Db, actor: Actor): Promise<InstanceJson[]> {
  const rows = await db.query.instances.findMany({ where: eq(instances.ownerId, actor.id), orderBy: desc(instances.createdAt) });
  return rows.map(instanceJson);
}

/** One of the acting user's instances; another user's instance is NotFound, never Forbidden. */
export async function getInstance(db: Db, actor: Actor, id: string): Promise<InstanceJson> {
  const row = await db.query.instances.findFirst({ where: and(eq(instances.id, id), eq(instances.ownerId, actor.id)) });
  if (!row) throw new NotFoundError("Instance not found.");
  return instanceJson(row);
}

/** Reads an instance by id with no owner check: only for callers authenticated by that instance's API key. */
export async function getInstanceForKey(db: Db, instanceId: string): Promise<InstanceJson> {
  const row = await db.query.instances.findFirst({ where: eq(instances.id, instanceId) });
  if (!row) throw new NotFoundError("Instance not found.");
  return instanceJson(row);
}

/** Recent lifecycle events of one of the acting user's instances, newest first. */
export async function listEvents(db: Db, actor: Actor, id: string, limit = 20): Promise<InstanceEventJson[]> {
  await getInstance(db, actor, id);
  const rows = await db.query.instanceEvents.findMany({
    where: eq(instanceEvents.instanceId, id),
    orderBy: desc(instanceEvents.id),
    limit,
  });
  return rows.map(eventJson);
}

/** Availability for the as-you-type check: invalid, reserved and taken names are unavailable. */
export async function checkSubdomain(db: Db, raw: string): Promise<{ subdomain: string; available: boolean; reason?: string }> {
  const parsed = subdomainSchema.safeParse(raw);
  if (!parsed.success) return { subdomain: raw, available: false, reason: parsed.error.issues[0]?.message ?? "Invalid subdomain." };
  const taken = await db.query.instances.findFirst({ where: eq(instances.subdomain, parsed.data), columns: { id: true } });
  return taken ? { subdomain: parsed.data, available: false, reason: "This subdomain is already taken." } : { subdomain: parsed.data, available: true };
}
