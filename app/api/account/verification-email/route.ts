import { sendVerificationMail } from "@/lib/auth/account-mail";
import { requestClientIp } from "@/lib/auth/client-address";
import { assertMailRequestAllowed } from "@/lib/auth/mail-limits";
import { getDb } from "@/lib/data/context";
import { isEmailVerified } from "@/lib/data/users";
import { requireSessionUser } from "../../_lib/access";
import { afterResponse } from "../../_lib/background";
import { json, route } from "../../_lib/handler";

/**
 * POST /api/account/verification-email: mails the signed-in user a new link that verifies their
 * address (the dashboard's "verify your email" banner). 202 `{ sent: true }`, or 200
 * `{ verified: true }` when it already is; rate-limited like the other mail requests.
 */
export const POST = route(async (req) => {
  const user = await requireSessionUser(req);
  const db = await getDb();
  if (await isEmailVerified(db, user)) return json({ verified: true });
  await assertMailRequestAllowed(
    "verify-email",
    user.email,
    requestClientIp((name) => req.headers.get(name)),
  );
  afterResponse("verification mail", () => sendVerificationMail(db, user));
  return json({ sent: true, email: user.email }, 202);
});
