import { getDb, getOrchestrator } from "@/lib/data/context";
import { applySecretChanges, listSecrets } from "@/lib/data/secrets";
import { webConfig } from "@/lib/env";
import { UnavailableError } from "@/lib/errors";
import { secretChangesSchema } from "@/lib/validations/secrets";
import { requireSessionUser } from "../../../_lib/access";
import { json, readJson, route } from "../../../_lib/handler";

type Params = { id: string };

/** GET /api/instances/:id/secrets: names and update times (never values); session or account token. */
export const GET = route<Params>(async (req, { id }) => {
  const user = await requireSessionUser(req);
  return json({ secrets: await listSecrets(await getDb(), user, id) });
});

/**
 * PATCH /api/instances/:id/secrets: sets and unsets secrets together; a running instance then
 * restarts to read them (with ?wait=1 the answer comes once it runs again). No value is ever
 * returned or logged.
 */
export const PATCH = route<Params>(async (req, { id }) => {
  const user = await requireSessionUser(req);
  const changes = await readJson(req, secretChangesSchema);
  const wait = ["1", "true"].includes(new URL(req.url).searchParams.get("wait") ?? "");
  const { secrets, changed } = await applySecretChanges(await getDb(), user, id, changes, webConfig().encryptionKey, new Date());
  return json({ secrets, restarted: changed ? await restartToApply(id, wait) : false });
});

/** Restarts the instance if it runs; the secrets are stored either way, and the error says so. */
async function restartToApply(id: string, wait: boolean): Promise<boolean> {
  try {
    return (await getOrchestrator().restart(id, wait)).restarted;
  } catch (err) {
    if (!(err instanceof UnavailableError)) throw err;
    throw new UnavailableError(
      `The secrets were saved, but the instance did not restart: ${err.message} Restart it to apply them.`,
      err.retryAfterSeconds,
      err,
    );
  }
}
