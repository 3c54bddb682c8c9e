import { getOrchestrator } from "@/lib/data/context";
import { instanceView } from "@/lib/data/instances";
import { webConfig } from "@/lib/env";
import { BadRequestError } from "@/lib/errors";
import { requireSessionUser } from "../../_lib/access";
import { json, route } from "../../_lib/handler";

/**
 * POST /api/instances/import?name=…&subdomain=…: creates a running instance from an existing
 * PocketBase (a backup zip from its admin UI, or a zipped pb_data folder) sent as the body, streamed
 * on to the orchestrator, which checks it in full (size, paths, integrity) before the instance
 * exists. 201 with the instance; counts against the instance quota. Session or account token.
 */
export const POST = route(async (req) => {
  const user = await requireSessionUser(req);
  if (!req.body) throw new BadRequestError("Send the backup (a .zip) as the request body.");
  const query = new URL(req.url).searchParams;
  const instance = await getOrchestrator().importArchive(
    { ownerId: user.id, name: query.get("name") ?? "", subdomain: query.get("subdomain") ?? "", quota: webConfig().instanceQuota },
    { body: req.body, contentType: req.headers.get("content-type") ?? "", contentLength: req.headers.get("content-length") },
  );
  return json({ instance: instanceView(instance, webConfig().publicUrl) }, 201);
});
