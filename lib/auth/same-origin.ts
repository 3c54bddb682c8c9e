import { ForbiddenError } from "../errors";

const safeMethods = new Set(["GET", "HEAD", "OPTIONS"]);

/**
 * Refuses cookie-authenticated writes that a browser made for another page. Tenant apps live on
 * sibling subdomains, which count as the same *site*, so SameSite cookies alone do not stop them.
 */
export function assertSameOrigin(req: Request): void {
  if (safeMethods.has(req.method)) return;
  const fetchSite = req.headers.get("sec-fetch-site");
  const origin = req.headers.get("origin");
  const host = req.headers.get("x-forwarded-host") ?? req.headers.get("host");
  const crossSite = fetchSite !== null && fetchSite !== "same-origin" && fetchSite !== "none";
  const foreignOrigin = origin !== null && (origin === "null" || (host !== null && hostOf(origin) !== host));
  if (crossSite || foreignOrigin) throw new ForbiddenError("Cross-site request refused. Use the dashboard, or an API key.");
}

function hostOf(origin: string): string | null {
  try {
    return new URL(origin).host;
  } catch {
    return null; // a malformed Origin never matches
  }
}
