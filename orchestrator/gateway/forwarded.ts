import type { IncomingHttpHeaders } from "node:http";

const IPV4_MAPPED_PREFIX = "::ffff:";

/** The client address as an upstream should see it: IPv4-mapped IPv6 (`::ffff:1.2.3.4`) is unwrapped. */
export function clientIp(remoteAddress: string | undefined): string | undefined {
  if (remoteAddress === undefined) return undefined;
  if (remoteAddress.startsWith(IPV4_MAPPED_PREFIX) && remoteAddress.includes(".")) {
    return remoteAddress.slice(IPV4_MAPPED_PREFIX.length);
  }
  return remoteAddress;
}

/**
 * Sets the X-Forwarded-* headers on an incoming request before it is proxied.
 *
 * - `X-Forwarded-For`: the client IP is appended, so the right-most entry is always the address
 *   that connected to the gateway (PocketBase trusts the right-most IP). Earlier entries are kept:
 *   they are client-supplied and only informative. Without a known address the header is removed,
 *   so a client can never place a forged right-most entry.
 * - `X-Forwarded-Proto`: the gateway speaks plain HTTP and is meant to sit behind a TLS terminator
 *   (Cloudflare, Caddy) that sets this header, so an incoming `http`/`https` is kept; anything else
 *   becomes `http`. A client forging `https` only mislabels its own request's scheme; nothing in the
 *   gateway or PocketBase's trusted-proxy setting (X-Forwarded-For only) makes access decisions on it.
 * - `X-Forwarded-Host`: always the Host the gateway routed on (client values are overwritten).
 */
export function setForwardedHeaders(headers: IncomingHttpHeaders, remoteAddress: string | undefined): void {
  const ip = clientIp(remoteAddress);
  const prior = headers["x-forwarded-for"];
  if (ip === undefined) delete headers["x-forwarded-for"];
  else headers["x-forwarded-for"] = prior ? `${prior}, ${ip}` : ip;

  const proto = headers["x-forwarded-proto"];
  if (proto !== "https" && proto !== "http") {
    headers["x-forwarded-proto"] = typeof proto === "string" && proto.toLowerCase() === "https" ? "https" : "http";
  }

  if (headers.host !== undefined) headers["x-forwarded-host"] = headers.host;
  else delete headers["x-forwarded-host"];
}
