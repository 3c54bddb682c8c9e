import { getOrchestrator } from "@/lib/data/context";
import { accessInstance } from "../../../_lib/access";
import { json, route } from "../../../_lib/handler";

/** POST /api/instances/:id/sso: a one-time URL that opens the PocketBase admin UI signed in (owner only). */
export const POST = route<{ id: string }>(async (req, { id }) => {
  await accessInstance(req, id, false);
  return json({ url: await getOrchestrator().sso(id) });
});
