import { getOrchestrator } from "@/lib/data/context";
import { accessInstance } from "../../../../../../_lib/access";
import { route } from "../../../../../../_lib/handler";

const PASSED_HEADERS = ["content-type", "content-length", "x-content-type-options", "content-security-policy"];

/** GET /api/instances/:id/deploys/:deployId/files/<path>: one file's bytes, for the read-only file view. */
export const GET = route<{ id: string; deployId: string; path: string[] }>(async (req, { id, deployId, path }) => {
  await accessInstance(req, id, true);
  const upstream = await getOrchestrator().deployFile(id, deployId, path.join("/"));
  const headers = new Headers({ "cache-control": "no-store" });
  for (const name of PASSED_HEADERS) {
    const value = upstream.headers.get(name);
    if (value) headers.set(name, value);
  }
  return new Response(upstream.body, { status: 200, headers });
});
