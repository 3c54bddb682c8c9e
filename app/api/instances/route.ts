import { webConfig } from "@/lib/env";
import { getDb, getOrchestrator } from "@/lib/data/context";
import { assertWithinQuota, instanceView, listInstances } from "@/lib/data/instances";
import { createInstanceSchema } from "@/lib/validations/instance";
import { requireSessionUser } from "../_lib/access";
import { json, readJson, route } from "../_lib/handler";

/** GET /api/instances: the caller's instances. */
export const GET = route(async (req) => {
  const user = await requireSessionUser(req);
  const list = await listInstances(await getDb(), user);
  return json({ instances: list.map((i) => instanceView(i, webConfig().publicUrl)), quota: webConfig().instanceQuota });
});

/** POST /api/instances: creates a stopped instance (quota and subdomain checked). */
export const POST = route(async (req) => {
  const user = await requireSessionUser(req);
  const input = await readJson(req, createInstanceSchema);
  await assertWithinQuota(await getDb(), user, webConfig().instanceQuota);
  const instance = await getOrchestrator().create({ ownerId: user.id, ...input });
  return json({ instance: instanceView(instance, webConfig().publicUrl) }, 201);
});
