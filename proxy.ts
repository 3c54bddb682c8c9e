import { NextResponse, type NextRequest } from "next/server";
import { getToken } from "next-auth/jwt";
import { sessionCookieName } from "@/lib/auth/cookie";
import { webConfig } from "@/lib/env";

/**
 * Route protection: unauthenticated visits to /dashboard/* go to /signin (with a return path),
 * and signed-in visits to /signin or /signup go to the dashboard. Pages and API handlers still
 * check the session themselves; this only makes navigation pleasant.
 */
export async function proxy(req: NextRequest) {
  const config = webConfig();
  const token = await getToken({ req, secret: config.nextAuthSecret, cookieName: sessionCookieName(config.nextAuthUrl) });
  const { pathname, search } = req.nextUrl;
  if (pathname.startsWith("/dashboard") && !token) {
    const url = new URL("/signin", req.url);
    url.searchParams.set("callbackUrl", `${pathname}${search}`);
    return NextResponse.redirect(url);
  }
  if ((pathname === "/signin" || pathname === "/signup") && token) {
    return NextResponse.redirect(new URL("/dashboard", req.url));
  }
  return NextResponse.next();
}

export const config = { matcher: ["/dashboard/:path*", "/signin", "/signup"] };
