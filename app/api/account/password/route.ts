import { newSessionCookie } from "@/lib/auth/session-cookie";
import { getDb } from "@/lib/data/context";
import { changePassword } from "@/lib/data/users";
import { changePasswordSchema } from "@/lib/validations/auth";
import { requireSessionUser } from "../../_lib/access";
import { json, readJson, route } from "../../_lib/handler";

/**
 * POST /api/account/password: changes the signed-in user's password. Every existing session ends
 * (lib/data/users.ts); the browser that made the change gets a fresh one and stays signed in.
 * Account tokens are refused: a leaked token must not be enough to take the account over.
 */
export const POST = route(async (req) => {
  const user = await requireSessionUser(req, { accountTokens: false });
  const input = await readJson(req, changePasswordSchema);
  const db = await getDb();
  await changePassword(db, user, input);
  const res = json({ ok: true });
  res.headers.append("set-cookie", await newSessionCookie(db, user));
  return res;
});
