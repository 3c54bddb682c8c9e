import type { NextAuthOptions, User } from "next-auth";
import CredentialsProvider from "next-auth/providers/credentials";
import { webConfig } from "../env";
import { getDb } from "../data/context";
import { endSession, startSession } from "../data/sessions";
import { verifyCredentials } from "../data/users";
import { signinSchema } from "../validations/auth";
import { requestClientIp, type HeaderReader } from "./client-address";
import { sessionCookieName } from "./cookie";
import { loginLimits, type LoginLimits } from "./login-limits";

/** How long a session lasts: the JWT's lifetime and its `sessions` row's. */
export const sessionMaxAgeSeconds = 30 * 24 * 60 * 60;

/** Message shown when sign-in attempts are rate limited (the form recognises it by prefix). */
const tooManyAttemptsMessage = "Too many sign-in attempts";
/** Message shown when REQUIRE_EMAIL_VERIFICATION refuses an unverified account (the form offers to resend the mail). */
const emailNotVerifiedMessage = "Verify your email address before signing in: open the link we mailed you.";

let options: NextAuthOptions | undefined;

/** The next-auth configuration (credentials + JWT sessions backed by `sessions` rows), built on first use. */
export function authOptions(): NextAuthOptions {
  const config = webConfig();
  options ??= createAuthOptions({
    secret: config.nextAuthSecret,
    cookieName: sessionCookieName(config.nextAuthUrl),
    limits: loginLimits(),
    requireVerifiedEmail: config.emailLinks.requireVerification,
    now: () => new Date(),
  });
  return options;
}

/** Builds next-auth options around the sign-in limits. */
function createAuthOptions(deps: { secret: string; cookieName: string; limits: LoginLimits; requireVerifiedEmail: boolean; now: () => Date }): NextAuthOptions {
  const secure = deps.cookieName.startsWith("__Host-");
  return {
    secret: deps.secret,
    cookies: { sessionToken: { name: deps.cookieName, options: { httpOnly: true, sameSite: "lax", path: "/", secure } } },
    session: { strategy: "jwt", maxAge: sessionMaxAgeSeconds },
    pages: { signIn: "/signin", error: "/signin" },
    providers: [
      CredentialsProvider({
        name: "Email and password",
        credentials: { email: { label: "Email", type: "email" }, password: { label: "Password", type: "password" } },
        authorize: (credentials, req) => authorizeCredentials(deps, credentials, (name) => headerValue(req.headers, name)),
      }),
    ],
    callbacks: {
      jwt({ token, user }) {
        if (user) {
          token.sub = user.id;
          token.name = user.name;
          token.email = user.email;
          token.sid = user.sessionId;
        }
        return token;
      },
      session({ session, token }) {
        if (session.user && token.sub) session.user.id = token.sub;
        return session;
      },
    },
    events: {
      // The browser drops its cookie; deleting the row makes any copy of it worthless too.
      async signOut({ token }) {
        if (token.sid) await endSession(await getDb(), token.sid);
      },
    },
  };
}

/**
 * Checks the limits, then the password; null means "wrong email or password". With
 * REQUIRE_EMAIL_VERIFICATION an unverified account is refused only after its password proved right.
 */
async function authorizeCredentials(
  deps: { limits: LoginLimits; requireVerifiedEmail: boolean; now: () => Date },
  credentials: unknown,
  header: HeaderReader,
): Promise<User | null> {
  const parsed = signinSchema.safeParse(credentials);
  if (!parsed.success) return null;
  const { email, password } = parsed.data;
  const ip = requestClientIp(header);
  return deps.limits.oneAtATime(ip, async () => {
    assertMayTry(await deps.limits.waitMs(email, ip));
    const db = await getDb();
    const user = await verifyCredentials(db, email, password);
    if (!user) {
      await deps.limits.failed(email, ip);
      return null;
    }
    await deps.limits.succeeded(email, ip);
    if (deps.requireVerifiedEmail && !user.emailVerified) throw new Error(emailNotVerifiedMessage);
    const sessionId = await startSession(db, user.id, deps.now(), sessionMaxAgeSeconds * 1000);
    return { id: user.id, name: user.name, email: user.email, sessionId };
  });
}

/** Throws the user-facing "too many attempts" error (next-auth passes its message to the form). */
function assertMayTry(waitMs: number): void {
  if (waitMs <= 0) return;
  const minutes = Math.max(1, Math.ceil(waitMs / 60_000));
  throw new Error(`${tooManyAttemptsMessage}. Try again in ${minutes} minute${minutes === 1 ? "" : "s"}.`);
}

/** One header from next-auth's plain header object (lower-case names, as `headers()` gives them). */
function headerValue(headers: Record<string, unknown> | undefined, name: string): string | undefined {
  const value = headers?.[name];
  if (typeof value === "string") return value;
  return Array.isArray(value) ? value.join(", ") : undefined;
}
