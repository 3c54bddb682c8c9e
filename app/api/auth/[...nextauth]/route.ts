import type { NextRequest } from "next/server";
import NextAuth from "next-auth";
import { authOptions } from "@/lib/auth/options";

type Ctx = { params: Promise<{ nextauth: string[] }> };

function handler(req: NextRequest, ctx: Ctx): Promise<Response> {
  return NextAuth(req, ctx, authOptions()) as Promise<Response>;
}

export { handler as GET, handler as POST };
