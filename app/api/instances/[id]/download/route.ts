import { getOrchestrator } from "@/lib/data/context";
import { accessInstance } from "../../../_lib/access";
import { route } from "../../../_lib/handler";

/**
 * GET /api/instances/:id/download: the instance as a PocketBase directory (pb_data, pb_hooks,
 * pb_migrations, pb_public) in one .tar.gz, streamed through as the orchestrator builds it (owner).
 */
export const GET = route<{ id: string }>(async (req, { id }) => {
  await accessInstance(req, id, false);
  const upstream = await getOrchestrator().download(id);
  const headers = new Headers({ "cache-control": "no-store", "x-content-type-options": "nosniff" });
  for (const name of ["content-type", "content-disposition"]) {
    const value = upstream.headers.get(name);
    if (value) headers.set(name, value);
  }
  return new Response(upstream.body, { status: 200, headers });
});
