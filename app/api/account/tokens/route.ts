import { createAccountToken, listAccountTokens } from "@/lib/data/account-tokens";
import { getDb } from "@/lib/data/context";
import { createAccountTokenSchema } from "@/lib/validations/account-token";
import { requireSessionUser } from "../../_lib/access";
import { json, readJson, route } from "../../_lib/handler";

/** GET /api/account/tokens: the caller's account tokens (never their secrets). */
export const GET = route(async (req) => {
  const user = await requireSessionUser(req);
  return json({ tokens: await listAccountTokens(await getDb(), user) });
});

/** POST /api/account/tokens: creates a token; the response is the only time `token` is shown. */
export const POST = route(async (req) => {
  const user = await requireSessionUser(req);
  const input = await readJson(req, createAccountTokenSchema);
  return json({ token: await createAccountToken(await getDb(), user, input, new Date()) }, 201);
});
