import { getOrchestrator } from "@/lib/data/context";
import { accessInstance } from "../../../../../_lib/access";
import { json, route } from "../../../../../_lib/handler";

/** POST /api/instances/:id/deploys/:deployId/rollback: makes an earlier deploy live again (202). */
export const POST = route<{ id: string; deployId: string }>(async (req, { id, deployId }) => {
  await accessInstance(req, id, true);
  return json({ deploy: await getOrchestrator().rollback(id, deployId) }, 202);
});
