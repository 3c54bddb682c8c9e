import { redirect } from "next/navigation";
import { currentUser } from "@/lib/auth/session";

/**
 * Sends a signed-in visitor of sign-in, sign-up or forgot-password to the dashboard. Checked against
 * the sessions table rather than in proxy.ts, which sees only the JWT: an ended session's cookie
 * would otherwise bounce between /signin and /dashboard. Mailed links (verify, reset) work either way.
 */
export async function redirectIfSignedIn(): Promise<void> {
  if (await currentUser()) redirect("/dashboard");
}
