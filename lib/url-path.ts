/**
 * Whether every segment of a raw URL path decodes (`%E0%A4%A` or a lone `%` does not). Next's
 * router answers such paths with a bare 500 before any route code runs, so proxy.ts refuses them.
 */
export function isDecodablePath(pathname: string): boolean {
  try {
    for (const segment of pathname.split("/")) decodeURIComponent(segment);
    return true;
  } catch {
    // decodeURIComponent's only failure is URIError: the path is not valid percent-encoding.
    return false;
  }
}
