import { webConfig } from "@/lib/env";
import { getOrchestrator } from "@/lib/data/context";
import { instanceView } from "@/lib/data/instances";
import { accessInstance } from "../../../_lib/access";
import { json, route } from "../../../_lib/handler";

/** POST /api/instances/:id/stop: 202 at once, or with ?wait=1 200 once done (owner or API key). */
export const POST = route<{ id: string }>(async (req, { id }) => {
  await accessInstance(req, id, true);
  const wait = ["1", "true"].includes(new URL(req.url).searchParams.get("wait") ?? "");
  const instance = await getOrchestrator().stop(id, wait);
  return json({ instance: instanceView(instance, webConfig().publicUrl) }, wait ? 200 : 202);
});
