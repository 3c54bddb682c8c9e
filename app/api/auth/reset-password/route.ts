import { assertSameOrigin } from "@/lib/auth/same-origin";
import { getDb } from "@/lib/data/context";
import { resetPassword } from "@/lib/data/users";
import { resetPasswordSchema } from "@/lib/validations/auth";
import { json, readJson, route } from "../../_lib/handler";

/**
 * POST /api/auth/reset-password: sets a new password with a mailed reset link's token. The link
 * works once; every session of the account ends and its other reset links stop working. A used,
 * expired or unknown link is a 422 (`link_used`, `link_expired`, `invalid_link`).
 */
export const POST = route(async (req) => {
  assertSameOrigin(req);
  const input = await readJson(req, resetPasswordSchema);
  await resetPassword(await getDb(), input, new Date());
  return json({ ok: true });
});
