import { authenticateAccountToken, accountTokenFormat } from "../account-tokens";
import { apiKeyFromAuthorization, authenticateApiKey } from "../api-keys";
import { ForbiddenError, RateLimitError, UnauthorizedError } from "../errors";
import { assertSameOrigin } from "./same-origin";
import type { Actor } from "../data/context";
import { getDb } from "../data/context";
import { requestClientIp } from "./client-address";
import { loginLimits } from "./login-limits";
import { RateLimiterMemory } from "rate-limiter-flexible";
import { webConfig } from "../env";
import { consumeOrThrow } from "../rate-limit";
import { currentUser } from "./session";

/**
 * Who is calling: a user (by session cookie, or by account token: the same rights), or an API
 * key valid for exactly one instance.
 */
export type Caller = { kind: "user"; user: Actor; via: "session" | "token" } | { kind: "key"; keyId: string; instanceId: string };

/** What an endpoint accepts besides a session cookie. */
export type AcceptedCredentials = { instanceKeys: boolean; accountTokens: boolean };

/**
 * Authenticates a platform API request. A bearer secret wins over the cookie (scripts send one,
 * browsers the other): an invalid or revoked one is 401; a valid one the endpoint does not take is
 * 403. Account tokens act as their user without the same-origin check (no browser sends them by
 * itself); failed token checks count against the client address like failed sign-ins.
 */
export async function authenticateCaller(req: Request, accepts: AcceptedCredentials): Promise<Caller> {
  const authorization = req.headers.get("authorization");
  const key = apiKeyFromAuthorization(authorization);
  if (key) {
    const match = await authenticateApiKey(await getDb(), key, new Date());
    if (!match) throw new UnauthorizedError("The API key is invalid or has been revoked.");
    if (!accepts.instanceKeys)
      throw new ForbiddenError(
        "API keys can only read the status of, start, stop and deploy their own instance. Sign in or use an account token for everything else.",
      );
    return { kind: "key", ...match };
  }
  const token = accountTokenFormat.fromAuthorization(authorization);
  if (token) {
    const user = await tokenUser(req, token);
    if (!accepts.accountTokens) throw new ForbiddenError("Account tokens cannot do this. Sign in to the dashboard instead.");
    return { kind: "user", user, via: "token" };
  }
  const user = await currentUser();
  if (!user) throw new UnauthorizedError("Sign in, or send an account token or an instance API key.");
  assertSameOrigin(req);
  return { kind: "user", user, via: "session" };
}

let tokenRequests: RateLimiterMemory | undefined;

/** Checks an account token, one check per client address at a time, under the sign-in address limit. */
async function tokenUser(req: Request, token: string): Promise<Actor> {
  const limits = loginLimits();
  const ip = requestClientIp((name) => req.headers.get(name));
  const match = await limits.oneAtATime(ip, async () => {
    // Checked before the token: a correct guess must look no different while the address waits.
    const waitMs = await limits.addressWaitMs(ip);
    if (waitMs > 0) {
      const seconds = Math.ceil(waitMs / 1000);
      throw new RateLimitError(`Too many failed sign-ins or token checks from your network. Try again in ${Math.ceil(seconds / 60)} minutes.`, seconds);
    }
    const found = await authenticateAccountToken(await getDb(), token, new Date());
    if (!found) await limits.addressFailed(ip);
    return found;
  });
  if (!match) throw new UnauthorizedError("The account token is invalid or has been revoked.");
  // Each token's requests are metered, so one leaked or looping script cannot flood the platform API.
  tokenRequests ??= new RateLimiterMemory({ keyPrefix: "token-requests", points: webConfig().tokenRequestsPerMinute, duration: 60 });
  await consumeOrThrow(tokenRequests, match.tokenId, (seconds) => `This account token made too many requests. Try again in ${seconds} seconds.`);
  return match.user;
}
