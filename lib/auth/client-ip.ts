/**
 * The client address: the first `X-Forwarded-For` entry (Next fills the header with the socket
 * address when a request has none). Without a proxy that overwrites it a client can choose it,
 * so limits keyed by it are best-effort and paired with per-account limits.
 */
export function clientIp(forwardedFor: string | string[] | null | undefined): string {
  const value = Array.isArray(forwardedFor) ? forwardedFor[0] : forwardedFor;
  return value?.split(",")[0]?.trim() || "local";
}
