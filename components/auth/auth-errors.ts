/** Turns next-auth's error codes into sentences a person understands. */
export function describeSigninError(error: string | null | undefined): string | undefined {
  if (!error) return undefined;
  if (error === "CredentialsSignin") return "That email and password do not match an account.";
  if (error === "SessionRequired") return "Sign in to continue.";
  if (error.startsWith("Too many") || isEmailNotVerified(error)) return error;
  return "Sign-in failed. Please try again.";
}

/** Whether sign-in refused an unverified account (REQUIRE_EMAIL_VERIFICATION; lib/auth/options.ts words it). */
export function isEmailNotVerified(error: string | undefined): boolean {
  return error?.startsWith("Verify your email address") ?? false;
}
