import { createApiKey, listApiKeys } from "@/lib/data/api-keys";
import { getDb } from "@/lib/data/context";
import { createApiKeySchema } from "@/lib/validations/api-key";
import { requireSessionUser } from "../../../_lib/access";
import { json, readJson, route } from "../../../_lib/handler";

type Params = { id: string };

/** GET /api/instances/:id/keys: the instance's keys (never their secrets). */
export const GET = route<Params>(async (req, { id }) => {
  const user = await requireSessionUser(req);
  return json({ keys: await listApiKeys(await getDb(), user, id) });
});

/** POST /api/instances/:id/keys: creates a key; the response is the only time `key` is shown. */
export const POST = route<Params>(async (req, { id }) => {
  const user = await requireSessionUser(req);
  const input = await readJson(req, createApiKeySchema);
  return json({ key: await createApiKey(await getDb(), user, id, input, new Date()) }, 201);
});
