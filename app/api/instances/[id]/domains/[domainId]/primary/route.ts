import { getOrchestrator } from "@/lib/data/context";
import { accessInstance } from "../../../../../_lib/access";
import { json, route } from "../../../../../_lib/handler";

/** POST /api/instances/:id/domains/:domainId/primary: makes it the primary domain (PocketBase's app URL, once verified). */
export const POST = route<{ id: string; domainId: string }>(async (req, { id, domainId }) => {
  await accessInstance(req, id, false);
  return json({ domains: await getOrchestrator().setPrimaryDomain(id, domainId) });
});
