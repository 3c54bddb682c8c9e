import { revokeAccountToken } from "@/lib/data/account-tokens";
import { getDb } from "@/lib/data/context";
import { requireSessionUser } from "../../../_lib/access";
import { route } from "../../../_lib/handler";

/** DELETE /api/account/tokens/:tokenId: revokes one of the caller's tokens (it stops working at once). */
export const DELETE = route<{ tokenId: string }>(async (req, { tokenId }) => {
  const user = await requireSessionUser(req);
  await revokeAccountToken(await getDb(), user, tokenId, new Date());
  return new Response(null, { status: 204 });
});
