/** Returns the subdomain of a Host header value, or null when it is not `<one label>.<baseDomain>[:port]`. */
export type HostParser = (host: string | undefined) => string | null;

const MAX_LABEL_LENGTH = 63;

/** Builds the Host → subdomain parser for one base domain (precomputed once, no per-call allocation but the result). */
export function createHostParser(baseDomain: string): HostParser {
  const suffix = `.${baseDomain.toLowerCase().replace(/\.$/, "")}`;
  return (host) => {
    if (host === undefined || host.length === 0) return null;
    let name = stripPort(host);
    if (name === null) return null;
    // An absolute name ("api.example.com.") names the same host.
    if (name.endsWith(".")) name = name.slice(0, -1);
    if (name.length <= suffix.length) return null;
    name = name.toLowerCase();
    if (!name.endsWith(suffix)) return null;
    const label = name.slice(0, name.length - suffix.length);
    return isDnsLabel(label) ? label : null;
  };
}

/** A Host header's name, lower-case, without `:port` or a trailing dot; null when it is not a plausible DNS name. */
export function hostName(host: string | undefined): string | null {
  if (host === undefined || host.length === 0 || host.length > 260) return null;
  const name = stripPort(host)?.toLowerCase().replace(/\.$/, "");
  if (!name || !name.split(".").every(isDnsLabel)) return null;
  return name;
}

/** Host without its `:port`; null for bracketed IPv6 literals or a malformed port. */
function stripPort(host: string): string | null {
  if (host.charCodeAt(0) === 0x5b /* [ */) return null;
  const colon = host.lastIndexOf(":");
  if (colon === -1) return host;
  if (colon === host.length - 1) return null;
  for (let i = colon + 1; i < host.length; i++) {
    const c = host.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return null;
  }
  return host.slice(0, colon);
}

/** One lower-case DNS label: letters, digits and inner hyphens. Rejects dots, so nested labels fail. */
function isDnsLabel(label: string): boolean {
  const n = label.length;
  if (n === 0 || n > MAX_LABEL_LENGTH) return false;
  for (let i = 0; i < n; i++) {
    const c = label.charCodeAt(i);
    const alnum = (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39);
    if (alnum) continue;
    if (c === 0x2d /* - */ && i !== 0 && i !== n - 1) continue;
    return false;
  }
  return true;
}
