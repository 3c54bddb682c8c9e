import "next-auth";
import "next-auth/jwt";

declare module "next-auth" {
  interface Session {
    user?: { id: string; name?: string | null; email?: string | null; image?: string | null };
    /** Only in the server's own session reads (lib/auth/session.ts); /api/auth/session never sends it. */
    sessionId?: string;
  }
  interface User {
    /** The `sessions` row created at sign-in (lib/data/sessions.ts). */
    sessionId?: string;
  }
}

declare module "next-auth/jwt" {
  interface JWT {
    /** The session's id: the cookie is valid only while that `sessions` row exists. */
    sid?: string;
  }
}
