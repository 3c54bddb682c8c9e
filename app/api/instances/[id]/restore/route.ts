import { getOrchestrator } from "@/lib/data/context";
import { webConfig } from "@/lib/env";
import { instanceView } from "@/lib/data/instances";
import { restoreSchema } from "@/lib/validations/backups";
import { accessInstance } from "../../../_lib/access";
import { json, readJson, route } from "../../../_lib/handler";

/**
 * POST /api/instances/:id/restore {at}: puts the instance back to how it was at `at` (owner only).
 * It stops, its current state is kept as a "before-restore" snapshot, and it starts again if it was
 * running; the answer comes once that is done.
 */
export const POST = route<{ id: string }>(async (req, { id }) => {
  await accessInstance(req, id, false);
  const { at } = await readJson(req, restoreSchema);
  const { instance, safetyGeneration } = await getOrchestrator().restore(id, at);
  return json({ instance: instanceView(instance, webConfig().publicUrl), safetyGeneration });
});
