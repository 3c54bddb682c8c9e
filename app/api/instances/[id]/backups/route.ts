import { getOrchestrator } from "@/lib/data/context";
import { accessInstance } from "../../../_lib/access";
import { json, route } from "../../../_lib/handler";

/** GET /api/instances/:id/backups: replication status, the restore window and stored snapshots (owner). */
export const GET = route<{ id: string }>(async (req, { id }) => {
  await accessInstance(req, id, false);
  return json(await getOrchestrator().backups(id));
});
