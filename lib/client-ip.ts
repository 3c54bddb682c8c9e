/**
 * The one way web and gateway decide who a client is. Behind `trustedHops` proxies that each append
 * the address they saw to `X-Forwarded-For`, the client is the entry that many places from the
 * right; every entry left of it was written by the client and is ignored. With no trusted proxy
 * (the default) the header is ignored entirely and the socket's peer address is the client.
 */
export function clientIp(remoteAddress: string | undefined, forwardedFor: string | string[] | null | undefined, trustedHops: number): string {
  const peer = normalizeIp(remoteAddress) ?? "unknown";
  if (trustedHops <= 0) return peer;
  const entries = headerEntries(forwardedFor);
  // The peer is the last trusted proxy; the header's right-most entries are the ones proxies added.
  const index = entries.length - trustedHops;
  if (index < 0) return normalizeIp(entries[0]) ?? peer; // fewer hops than configured: take the farthest known
  return normalizeIp(entries[index]) ?? peer;
}

const IPV4_MAPPED_PREFIX = "::ffff:";

/** Unwraps IPv4-mapped IPv6 (`::ffff:1.2.3.4`) and trims; undefined for an empty value. */
export function normalizeIp(value: string | undefined): string | undefined {
  const ip = value?.trim();
  if (!ip) return undefined;
  if (ip.toLowerCase().startsWith(IPV4_MAPPED_PREFIX) && ip.includes(".")) return ip.slice(IPV4_MAPPED_PREFIX.length);
  return ip;
}

function headerEntries(value: string | string[] | null | undefined): string[] {
  const joined = Array.isArray(value) ? value.join(",") : (value ?? "");
  return joined
    .split(",")
    .map((entry) => entry.trim())
    .filter((entry) => entry !== "");
}
