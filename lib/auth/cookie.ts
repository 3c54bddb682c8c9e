/**
 * The session cookie's name. Behind https it gets the `__Host-` prefix: tenant apps on sibling
 * subdomains cannot overwrite a `__Host-` cookie with one scoped to the parent domain.
 */
export function sessionCookieName(nextAuthUrl: string): string {
  return nextAuthUrl.startsWith("https://") ? "__Host-next-auth.session-token" : "next-auth.session-token";
}
