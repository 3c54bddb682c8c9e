import { assertSameOrigin } from "@/lib/auth/same-origin";
import { getDb } from "@/lib/data/context";
import { verifyEmail } from "@/lib/data/users";
import { verifyEmailSchema } from "@/lib/validations/auth";
import { json, readJson, route } from "../../_lib/handler";

/**
 * POST /api/auth/verify-email: marks the address of a mailed verification link's account as
 * verified (the /verify-email page posts the link's token). A link clicked again after it worked
 * answers the same; a dead link of a still unverified account is a 422.
 */
export const POST = route(async (req) => {
  assertSameOrigin(req);
  const { token } = await readJson(req, verifyEmailSchema);
  await verifyEmail(await getDb(), token, new Date());
  return json({ verified: true });
});
