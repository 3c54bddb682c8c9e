import { NextResponse, type NextRequest } from "next/server";
import { getToken } from "next-auth/jwt";
import { sessionCookieName } from "@/lib/auth/cookie";
import { webConfig } from "@/lib/env";
import { isDecodablePath } from "@/lib/url-path";

/**
 * Runs before Next routes a request:
 * - a path that is not valid percent-encoding gets a 400 here (Next's router would answer a bare
 *   500 when it fails to decode a dynamic segment); API paths get the platform's JSON error;
 * - unauthenticated visits to /dashboard/* go to /signin (with a return path). Pages and API
 *   handlers still check the session themselves (against the sessions table; this sees only the
 *   JWT), and the sign-in pages send signed-in visitors on to the dashboard.
 */
export async function proxy(req: NextRequest) {
  const { pathname, search } = req.nextUrl;
  if (!isDecodablePath(pathname)) return malformedPath(pathname);
  if (!pathname.startsWith("/dashboard")) return NextResponse.next();
  const config = webConfig();
  const token = await getToken({ req, secret: config.nextAuthSecret, cookieName: sessionCookieName(config.nextAuthUrl) });
  if (!token) {
    const url = new URL("/signin", req.url);
    url.searchParams.set("callbackUrl", `${pathname}${search}`);
    return NextResponse.redirect(url);
  }
  return NextResponse.next();
}

function malformedPath(pathname: string): Response {
  const message = "The URL path is not valid percent-encoding.";
  if (!pathname.startsWith("/api/")) return new Response(message, { status: 400, headers: { "content-type": "text/plain; charset=utf-8" } });
  return Response.json({ error: { code: "bad_request", message } }, { status: 400, headers: { "cache-control": "no-store" } });
}

// API paths only when they contain a `%`: running the proxy for every API request would make Next
// buffer request bodies for it (and wait for them) before the route's own bounded read.
export const config = { matcher: ["/dashboard/:path*", "/api/:path(.*%.*)"] };
