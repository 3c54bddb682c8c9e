import { getServerSession, type NextAuthOptions } from "next-auth";
import type { Actor } from "../data/context";
import { getDb } from "../data/context";
import { sessionUser } from "../data/sessions";
import { authOptions } from "./options";

let serverOptions: NextAuthOptions | undefined;

/**
 * authOptions with a session callback that hands the server the token's ids. Only server reads
 * use it: the browser's /api/auth/session goes through authOptions and never sees the session id.
 */
function serverSessionOptions(): NextAuthOptions {
  const base = authOptions();
  serverOptions ??= {
    ...base,
    callbacks: {
      ...base.callbacks,
      session: ({ session, token }) => ({ expires: session.expires, user: token.sub ? { id: token.sub } : undefined, sessionId: token.sid }),
    },
  };
  return serverOptions;
}

/**
 * The signed-in user of the current request, or null: no cookie, a bad or expired token, or a
 * session that was ended (sign-out, password change). Name and email are read fresh from the DB.
 */
export async function currentUser(): Promise<Actor | null> {
  const session = await getServerSession(serverSessionOptions());
  const userId = session?.user?.id;
  const sessionId = session?.sessionId;
  if (!userId || !sessionId) return null;
  return sessionUser(await getDb(), sessionId, userId, new Date());
}
