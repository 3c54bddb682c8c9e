import { getDb } from "@/lib/data/context";
import { changePassword } from "@/lib/data/users";
import { changePasswordSchema } from "@/lib/validations/auth";
import { requireSessionUser } from "../../_lib/access";
import { json, readJson, route } from "../../_lib/handler";

/** POST /api/account/password: changes the signed-in user's password. */
export const POST = route(async (req) => {
  const user = await requireSessionUser(req);
  const input = await readJson(req, changePasswordSchema);
  await changePassword(await getDb(), user, input);
  return json({ ok: true });
});
