import { webConfig } from "@/lib/env";
import { getOrchestrator } from "@/lib/data/context";
import { instanceView } from "@/lib/data/instances";
import { updateInstanceSchema } from "@/lib/validations/instance";
import { accessInstance } from "../../_lib/access";
import { json, readJson, route } from "../../_lib/handler";

type Params = { id: string };

/** GET /api/instances/:id: status (owner or that instance's API key). */
export const GET = route<Params>(async (req, { id }) => {
  const { instance } = await accessInstance(req, id, true);
  return json({ instance: instanceView(instance, webConfig().publicUrl) });
});

/** PATCH /api/instances/:id: rename or set the idle timeout (owner only). */
export const PATCH = route<Params>(async (req, { id }) => {
  await accessInstance(req, id, false);
  const input = await readJson(req, updateInstanceSchema);
  const instance = await getOrchestrator().update(id, input);
  return json({ instance: instanceView(instance, webConfig().publicUrl) });
});

/** DELETE /api/instances/:id: stops it and deletes its data (owner only). */
export const DELETE = route<Params>(async (req, { id }) => {
  await accessInstance(req, id, false);
  await getOrchestrator().remove(id);
  return new Response(null, { status: 204 });
});
