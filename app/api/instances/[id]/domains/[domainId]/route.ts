import { getOrchestrator } from "@/lib/data/context";
import { accessInstance } from "../../../../_lib/access";
import { route } from "../../../../_lib/handler";

/** DELETE /api/instances/:id/domains/:domainId: removes the domain (it stops routing at once; the name is free again). */
export const DELETE = route<{ id: string; domainId: string }>(async (req, { id, domainId }) => {
  await accessInstance(req, id, false);
  await getOrchestrator().removeDomain(id, domainId);
  return new Response(null, { status: 204 });
});
