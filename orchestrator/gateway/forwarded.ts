import type { IncomingHttpHeaders } from "node:http";

/** What lib/client-ip.ts answers when neither the socket nor a trusted header names the client. */
const UNKNOWN_CLIENT = "unknown";

/**
 * Sets the X-Forwarded-* headers on an incoming request before it is proxied.
 *
 * - `X-Forwarded-For`: ends with `client`, the address lib/client-ip.ts decided on, since PocketBase
 *   trusts the right-most entry. Without trusted proxies the client is the peer and is appended; with
 *   `trustedHops` proxies, the entries they appended (the client's and theirs) are replaced by the
 *   client, so PocketBase sees the same client as the gateway's limits. Earlier entries are kept:
 *   they are client-supplied and only informative. Without a known client the header is removed,
 *   so a client can never place a forged right-most entry.
 * - `X-Forwarded-Proto`: the gateway speaks plain HTTP and is meant to sit behind a TLS terminator
 *   (Cloudflare, Caddy) that sets this header, so an incoming `http`/`https` is kept; anything else
 *   becomes `http`. A client forging `https` only mislabels its own request's scheme; nothing in the
 *   gateway or PocketBase's trusted-proxy setting (X-Forwarded-For only) makes access decisions on it.
 * - `X-Forwarded-Host`: always the Host the gateway routed on (client values are overwritten).
 */
export function setForwardedHeaders(headers: IncomingHttpHeaders, client: string, trustedHops: number): void {
  if (client === UNKNOWN_CLIENT) delete headers["x-forwarded-for"];
  else {
    const prior = untrustedEntries(headers["x-forwarded-for"], trustedHops);
    headers["x-forwarded-for"] = prior ? `${prior}, ${client}` : client;
  }

  const proto = headers["x-forwarded-proto"];
  if (proto !== "https" && proto !== "http") {
    headers["x-forwarded-proto"] = typeof proto === "string" && proto.toLowerCase() === "https" ? "https" : "http";
  }

  if (headers.host !== undefined) headers["x-forwarded-host"] = headers.host;
  else delete headers["x-forwarded-host"];
}

/** The X-Forwarded-For entries left of those the trusted proxies appended. */
function untrustedEntries(value: string | string[] | undefined, trustedHops: number): string {
  const joined = Array.isArray(value) ? value.join(", ") : (value ?? "");
  if (trustedHops <= 0) return joined;
  const entries = joined
    .split(",")
    .map((e) => e.trim())
    .filter((e) => e !== "");
  return entries.slice(0, Math.max(0, entries.length - trustedHops)).join(", ");
}
