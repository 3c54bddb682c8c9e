import { apiKeyFromAuthorization, authenticateApiKey } from "../api-keys";
import { ForbiddenError, UnauthorizedError } from "../errors";
import { assertSameOrigin } from "./same-origin";
import type { Actor } from "../data/context";
import { getDb } from "../data/context";
import { currentUser } from "./session";

/** Who is calling: a signed-in user, or an API key valid for exactly one instance. */
export type Caller = { kind: "user"; user: Actor } | { kind: "key"; keyId: string; instanceId: string };

/**
 * Authenticates a platform API request. A bearer API key wins over the cookie (scripts send one,
 * browsers the other): an invalid or revoked key is 401; a valid key on an endpoint that does not
 * take keys is 403.
 */
export async function authenticateCaller(req: Request, allowKey: boolean): Promise<Caller> {
  const key = apiKeyFromAuthorization(req.headers.get("authorization"));
  if (key) {
    const match = await authenticateApiKey(await getDb(), key, new Date());
    if (!match) throw new UnauthorizedError("The API key is invalid or has been revoked.");
    if (!allowKey) throw new ForbiddenError("API keys can only read the status of, start and stop their own instance. Sign in for everything else.");
    return { kind: "key", ...match };
  }
  const user = await currentUser();
  if (!user) throw new UnauthorizedError("Sign in or send an instance API key.");
  assertSameOrigin(req);
  return { kind: "user", user };
}
