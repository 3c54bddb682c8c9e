import { requestClientIp } from "@/lib/auth/client-address";
import { assertSignupAllowed } from "@/lib/auth/signup-limit";
import { getDb } from "@/lib/data/context";
import { createUser } from "@/lib/data/users";
import { signupSchema } from "@/lib/validations/auth";
import { json, readJson, route } from "../../_lib/handler";

/** POST /api/auth/signup: registers an account (sign in afterwards with the same credentials). */
export const POST = route(async (req) => {
  await assertSignupAllowed(requestClientIp((name) => req.headers.get(name)));
  const input = await readJson(req, signupSchema);
  const user = await createUser(await getDb(), input);
  return json({ user }, 201);
});
