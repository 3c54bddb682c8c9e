import { revokeApiKey } from "@/lib/data/api-keys";
import { getDb } from "@/lib/data/context";
import { requireSessionUser } from "../../../../_lib/access";
import { route } from "../../../../_lib/handler";

/** DELETE /api/instances/:id/keys/:keyId: revokes the key (it stops working at once). */
export const DELETE = route<{ id: string; keyId: string }>(async (req, { id, keyId }) => {
  const user = await requireSessionUser(req);
  await revokeApiKey(await getDb(), user, id, keyId, new Date());
  return new Response(null, { status: 204 });
});
