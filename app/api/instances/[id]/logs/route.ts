import { z } from "zod";
import { getOrchestrator } from "@/lib/data/context";
import { accessInstance } from "../../../_lib/access";
import { json, route, validate } from "../../../_lib/handler";

const linesSchema = z.coerce.number().int("lines must be a whole number.").min(1, "lines must be at least 1.").max(2000, "lines can be at most 2000.");

/** GET /api/instances/:id/logs?lines=200: the tail of the instance's PocketBase log (owner only). */
export const GET = route<{ id: string }>(async (req, { id }) => {
  await accessInstance(req, id, false);
  const lines = validate(linesSchema, new URL(req.url).searchParams.get("lines") ?? "200");
  return json({ lines: await getOrchestrator().logs(id, lines) });
});
