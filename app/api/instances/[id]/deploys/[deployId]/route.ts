import { getOrchestrator } from "@/lib/data/context";
import { accessInstance } from "../../../../_lib/access";
import { json, route } from "../../../../_lib/handler";

/** GET /api/instances/:id/deploys/:deployId: the deploy and its files (path, size, sha256). */
export const GET = route<{ id: string; deployId: string }>(async (req, { id, deployId }) => {
  await accessInstance(req, id, true);
  return json(await getOrchestrator().getDeploy(id, deployId));
});
