import { sendVerificationMail } from "@/lib/auth/account-mail";
import { requestClientIp } from "@/lib/auth/client-address";
import { assertSignupAllowed } from "@/lib/auth/signup-limit";
import { getDb } from "@/lib/data/context";
import { createUser } from "@/lib/data/users";
import { webConfig } from "@/lib/env";
import { signupSchema } from "@/lib/validations/auth";
import { afterResponse } from "../../_lib/background";
import { json, readJson, route } from "../../_lib/handler";

/**
 * POST /api/auth/signup: registers an account and mails it a verification link (after the
 * response). Sign in afterwards with the same credentials; with `verificationRequired`
 * (REQUIRE_EMAIL_VERIFICATION) only once the link was opened.
 */
export const POST = route(async (req) => {
  await assertSignupAllowed(requestClientIp((name) => req.headers.get(name)));
  const input = await readJson(req, signupSchema);
  const db = await getDb();
  const user = await createUser(db, input);
  afterResponse("verification mail", () => sendVerificationMail(db, user));
  return json({ user, verificationRequired: webConfig().emailLinks.requireVerification }, 201);
});
