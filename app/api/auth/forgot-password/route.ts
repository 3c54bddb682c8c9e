import { sendPasswordResetMail } from "@/lib/auth/account-mail";
import { requestClientIp } from "@/lib/auth/client-address";
import { assertMailRequestAllowed } from "@/lib/auth/mail-limits";
import { assertSameOrigin } from "@/lib/auth/same-origin";
import { getDb } from "@/lib/data/context";
import { emailOnlySchema } from "@/lib/validations/auth";
import { afterResponse } from "../../_lib/background";
import { json, readJson, route } from "../../_lib/handler";

/** The one answer, whether or not an account has the address. */
const answer = "If an account exists for that address, we sent a link to reset its password. It expires soon; check your spam folder too.";

/**
 * POST /api/auth/forgot-password: mails a password-reset link to the account with that address.
 * The answer (202) and its timing are the same whether or not the account exists: the lookup and
 * the mail happen after the response. Rate-limited per address and per client.
 */
export const POST = route(async (req) => {
  assertSameOrigin(req);
  const { email } = await readJson(req, emailOnlySchema);
  await assertMailRequestAllowed(
    "reset-password",
    email,
    requestClientIp((name) => req.headers.get(name)),
  );
  afterResponse("password reset mail", async () => sendPasswordResetMail(await getDb(), email));
  return json({ ok: true, message: answer }, 202);
});
