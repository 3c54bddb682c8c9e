import { createHash, randomBytes } from "node:crypto";

/** The pages mailed links open (app/(auth)/verify-email, app/(auth)/reset-password). */
export type LinkPage = "/verify-email" | "/reset-password";

/** What a stored link's row says about it at `now`. */
export type LinkState = "valid" | "used" | "expired";

/** A new link secret (32 random bytes, base64url: 43 characters) and the SHA-256 that is stored instead of it. */
export function newLinkToken(): { secret: string; hash: string } {
  const secret = randomBytes(32).toString("base64url");
  return { secret, hash: hashLinkToken(secret) };
}

/** SHA-256 hex of a link secret: links are found by this hash, so the DB never holds a usable secret. */
export function hashLinkToken(secret: string): string {
  return createHash("sha256").update(secret).digest("hex");
}

/**
 * The absolute link to a page with the secret. Built from the configured public origin of the
 * dashboard (NEXTAUTH_URL), never from a request's Host header, which a client chooses.
 */
export function mailLink(dashboardUrl: string, page: LinkPage, secret: string): string {
  const url = new URL(page, dashboardUrl);
  url.searchParams.set("token", secret);
  return url.toString();
}

/** Whether a stored link can still be used at `now`: unused and not expired. */
export function linkState(row: { expiresAt: Date; usedAt: Date | null }, now: Date): LinkState {
  if (row.usedAt) return "used";
  return row.expiresAt.getTime() <= now.getTime() ? "expired" : "valid";
}
