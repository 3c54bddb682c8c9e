import { getOrchestrator } from "@/lib/data/context";
import { accessInstance } from "../../../../_lib/access";
import { json, route } from "../../../../_lib/handler";

/** POST /api/instances/:id/domains/check: looks at every custom domain's DNS now (instead of at the next periodic check). */
export const POST = route<{ id: string }>(async (req, { id }) => {
  await accessInstance(req, id, false);
  return json({ domains: await getOrchestrator().checkDomains(id) });
});
