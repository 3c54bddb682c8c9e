import { NextRequest } from "next/server";
import NextAuth from "next-auth";
import { authOptions } from "@/lib/auth/options";
import { BadRequestError } from "@/lib/errors";
import { readBodyBytes } from "@/lib/read-body";
import { errorResponse } from "../../_lib/handler";

type Ctx = { params: Promise<{ nextauth: string[] }> };

/** next-auth's forms carry a CSRF token, an email and a password: a few hundred bytes. */
const AUTH_BODY_LIMIT_BYTES = 64 * 1024;

/**
 * next-auth reads bodies whole (`req.text()`/`req.json()`) with no limit of its own, so the body
 * is read here first, bounded like every other route (413 past the limit), and handed to next-auth
 * as a new request over those bytes. Malformed JSON is a 400 here rather than a 500 inside it.
 */
async function handler(req: NextRequest, ctx: Ctx): Promise<Response> {
  try {
    return (await NextAuth(await bounded(req), ctx, authOptions())) as Response;
  } catch (err) {
    return errorResponse(err, req);
  }
}

async function bounded(req: NextRequest): Promise<NextRequest> {
  if (req.method !== "POST") return req;
  const bytes = await readBodyBytes(req, AUTH_BODY_LIMIT_BYTES);
  if (req.headers.get("content-type")?.includes("application/json")) assertJson(bytes);
  return new NextRequest(req.url, { method: req.method, headers: req.headers, body: bytes });
}

function assertJson(bytes: Uint8Array): void {
  try {
    JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    // next-auth would throw the parser's error and answer 500; the client sent bad input.
    throw new BadRequestError("Request body must be valid JSON.");
  }
}

export { handler as GET, handler as POST };
