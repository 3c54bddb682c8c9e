import { webConfig } from "@/lib/env";
import { getDb, getOrchestrator } from "@/lib/data/context";
import { instanceView, listInstances } from "@/lib/data/instances";
import { createInstanceSchema } from "@/lib/validations/instance";
import { requireSessionUser } from "../_lib/access";
import { json, readJson, route } from "../_lib/handler";

/** GET /api/instances: the caller's instances. */
export const GET = route(async (req) => {
  const user = await requireSessionUser(req);
  const list = await listInstances(await getDb(), user);
  return json({ instances: list.map((i) => instanceView(i, webConfig().publicUrl)), quota: webConfig().instanceQuota });
});

/**
 * POST /api/instances: creates a stopped instance. The orchestrator checks the quota in the same
 * statement as its insert (a check here first would let parallel creates all pass it).
 */
export const POST = route(async (req) => {
  const user = await requireSessionUser(req);
  const input = await readJson(req, createInstanceSchema);
  const instance = await getOrchestrator().create({ ownerId: user.id, ...input, quota: webConfig().instanceQuota });
  return json({ instance: instanceView(instance, webConfig().publicUrl) }, 201);
});
