import { encode } from "next-auth/jwt";
import type { Db } from "../db/client";
import type { Actor } from "../data/context";
import { startSession } from "../data/sessions";
import { webConfig } from "../env";
import { sessionCookieName } from "./cookie";
import { sessionMaxAgeSeconds } from "./options";

/**
 * A Set-Cookie value signing this browser in with a new session of `user`, in the same form and
 * with the same attributes next-auth gives its own (used after a password change ended the old ones).
 */
export async function newSessionCookie(db: Db, user: Actor, now = new Date()): Promise<string> {
  const config = webConfig();
  const sid = await startSession(db, user.id, now, sessionMaxAgeSeconds * 1000);
  const token = await encode({ token: { sub: user.id, name: user.name, email: user.email, sid }, secret: config.nextAuthSecret, maxAge: sessionMaxAgeSeconds });
  const name = sessionCookieName(config.nextAuthUrl);
  const expires = new Date(now.getTime() + sessionMaxAgeSeconds * 1000).toUTCString();
  return [`${name}=${token}`, "Path=/", `Expires=${expires}`, "HttpOnly", "SameSite=Lax", ...(name.startsWith("__Host-") ? ["Secure"] : [])].join("; ");
}
