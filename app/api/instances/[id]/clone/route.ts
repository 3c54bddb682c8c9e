import { getOrchestrator } from "@/lib/data/context";
import { webConfig } from "@/lib/env";
import { instanceView } from "@/lib/data/instances";
import { cloneSchema } from "@/lib/validations/backups";
import { accessInstance } from "../../../_lib/access";
import { json, readJson, route } from "../../../_lib/handler";

/**
 * POST /api/instances/:id/clone {at, name, subdomain}: a new instance of the same owner holding
 * this one's state at `at`, running once the answer (201) comes. Counts against the instance quota.
 */
export const POST = route<{ id: string }>(async (req, { id }) => {
  await accessInstance(req, id, false);
  const input = await readJson(req, cloneSchema);
  const instance = await getOrchestrator().clone(id, { ...input, quota: webConfig().instanceQuota });
  return json({ instance: instanceView(instance, webConfig().publicUrl) }, 201);
});
