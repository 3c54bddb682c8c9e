import { resendVerificationMail } from "@/lib/auth/account-mail";
import { requestClientIp } from "@/lib/auth/client-address";
import { assertMailRequestAllowed } from "@/lib/auth/mail-limits";
import { assertSameOrigin } from "@/lib/auth/same-origin";
import { getDb } from "@/lib/data/context";
import { emailOnlySchema } from "@/lib/validations/auth";
import { afterResponse } from "../../../_lib/background";
import { json, readJson, route } from "../../../_lib/handler";

/** The one answer, whether or not an unverified account has the address. */
const answer = "If an unverified account exists for that address, we sent it a new verification link.";

/**
 * POST /api/auth/verify-email/resend: for someone who cannot sign in yet (REQUIRE_EMAIL_VERIFICATION),
 * mails a new verification link to the unverified account with that address. Answered like
 * forgot-password: always 202, the work after the response, rate-limited per address and client.
 */
export const POST = route(async (req) => {
  assertSameOrigin(req);
  const { email } = await readJson(req, emailOnlySchema);
  await assertMailRequestAllowed(
    "verify-email",
    email,
    requestClientIp((name) => req.headers.get(name)),
  );
  afterResponse("verification mail", async () => resendVerificationMail(await getDb(), email));
  return json({ ok: true, message: answer }, 202);
});
