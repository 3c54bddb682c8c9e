import type { NextAuthOptions } from "next-auth";
import CredentialsProvider from "next-auth/providers/credentials";
import { webConfig } from "../env";
import { clientIp } from "./client-ip";
import { sessionCookieName } from "./cookie";
import { createRateLimiter, type RateLimiter, type RateLimitResult } from "../rate-limit";
import { signinSchema } from "../validations/auth";
import { getDb } from "../data/context";
import { verifyCredentials } from "../data/users";

/** Sign-in attempts allowed per email + client IP in `loginWindowMs`. */
export const loginAttemptLimit = 5;
/**
 * Attempts per email from all IPs together: the client IP comes from X-Forwarded-For, which a
 * client can vary when nothing in front rewrites it, so this bounds guessing regardless.
 */
export const loginAttemptLimitPerEmail = 20;
export const loginWindowMs = 15 * 60_000;

/** Message shown when sign-in attempts are rate limited (the form recognises it by prefix). */
export const tooManyAttemptsMessage = "Too many sign-in attempts";

let options: NextAuthOptions | undefined;

/** The next-auth configuration (credentials + JWT sessions), built on first use. */
export function authOptions(): NextAuthOptions {
  const config = webConfig();
  options ??= createAuthOptions({
    secret: config.nextAuthSecret,
    cookieName: sessionCookieName(config.nextAuthUrl),
    limiter: createRateLimiter({ limit: loginAttemptLimit, windowMs: loginWindowMs }),
    emailLimiter: createRateLimiter({ limit: loginAttemptLimitPerEmail, windowMs: loginWindowMs }),
    now: () => Date.now(),
  });
  return options;
}

/** Builds next-auth options around a login rate limiter. */
export function createAuthOptions(deps: {
  secret: string;
  cookieName: string;
  limiter: RateLimiter;
  emailLimiter: RateLimiter;
  now: () => number;
}): NextAuthOptions {
  const secure = deps.cookieName.startsWith("__Host-");
  return {
    secret: deps.secret,
    cookies: { sessionToken: { name: deps.cookieName, options: { httpOnly: true, sameSite: "lax", path: "/", secure } } },
    session: { strategy: "jwt", maxAge: 30 * 24 * 60 * 60 },
    pages: { signIn: "/signin", error: "/signin" },
    providers: [
      CredentialsProvider({
        name: "Email and password",
        credentials: { email: { label: "Email", type: "email" }, password: { label: "Password", type: "password" } },
        authorize: (credentials, req) => authorizeCredentials(deps, credentials, req.headers?.["x-forwarded-for"] as string | undefined),
      }),
    ],
    callbacks: {
      jwt({ token, user }) {
        if (user) {
          token.sub = user.id;
          token.name = user.name;
          token.email = user.email;
        }
        return token;
      },
      session({ session, token }) {
        if (session.user && token.sub) session.user.id = token.sub;
        return session;
      },
    },
  };
}

/** Checks rate limits, then the password; null means "wrong email or password". */
async function authorizeCredentials(
  deps: { limiter: RateLimiter; emailLimiter: RateLimiter; now: () => number },
  credentials: unknown,
  forwardedFor: string | undefined,
) {
  const parsed = signinSchema.safeParse(credentials);
  if (!parsed.success) return null;
  const key = `${parsed.data.email}|${clientIp(forwardedFor)}`;
  assertAllowed(deps.limiter.hit(key, deps.now()));
  assertAllowed(deps.emailLimiter.hit(parsed.data.email, deps.now()));
  const user = await verifyCredentials(await getDb(), parsed.data.email, parsed.data.password);
  if (user) deps.limiter.reset(key);
  return user;
}

/** Throws the user-facing "too many attempts" error (next-auth passes its message to the form). */
function assertAllowed(result: RateLimitResult): void {
  if (result.allowed) return;
  const minutes = Math.max(1, Math.ceil(result.retryAfterMs / 60_000));
  throw new Error(`${tooManyAttemptsMessage}. Try again in ${minutes} minute${minutes === 1 ? "" : "s"}.`);
}
