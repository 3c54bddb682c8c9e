/**
 * Custom domains: what a name must look like, and the DNS records its owner publishes. Pure, shared
 * by the dashboard (validation, the records shown) and the orchestrator (verification).
 */

/** The TXT record proving ownership lives at `_picobase.<hostname>`. */
const TXT_LABEL = "_picobase";
const TXT_VALUE_PREFIX = "picobase-verify=";
const MAX_HOSTNAME_LENGTH = 253;
const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

/** A DNS record the owner must create. */
export type DnsRecord = { type: "CNAME" | "TXT"; name: string; value: string };

/** `API.Example.com.` → `api.example.com` (surrounding spaces trimmed; anything else is left for customDomainProblem to refuse). */
export function normalizeHostname(input: string): string {
  return input.trim().toLowerCase().replace(/\.$/, "");
}

/**
 * Why `hostname` (normalized) cannot be a custom domain, or null when it can: a public DNS name
 * of at least two labels, not an address, not the platform's own domain or one under it.
 */
export function customDomainProblem(hostname: string, baseDomain: string): string | null {
  if (hostname.length === 0) return "Enter a domain such as api.example.com.";
  if (/\s/.test(hostname)) return "A domain cannot contain spaces.";
  if (/[^\x21-\x7e]/.test(hostname)) return "Use the domain's ASCII form (xn--…) for international names.";
  if (/[/:@?#]/.test(hostname)) return "Enter the domain alone, without https:// or a path.";
  if (hostname.length > MAX_HOSTNAME_LENGTH) return "This domain is too long.";
  const labels = hostname.split(".");
  if (labels.length < 2) return "Enter a full domain such as api.example.com.";
  if (!labels.every((l) => LABEL.test(l))) return "This is not a valid domain name.";
  if (/^\d+$/.test(labels[labels.length - 1] as string)) return "Enter a domain name, not an IP address.";
  if (hostname === "localhost" || hostname.endsWith(".localhost")) return "This domain cannot be used.";
  const base = baseDomain.toLowerCase();
  if (hostname === base || hostname.endsWith(`.${base}`)) return `Names under ${base} are the platform's own; each instance already has one.`;
  return null;
}

/** The records that route `hostname` to the instance at `target` (`<sub>.<base>`) and prove ownership. */
export function requiredRecords(hostname: string, target: string, token: string): DnsRecord[] {
  return [
    { type: "CNAME", name: hostname, value: target },
    { type: "TXT", name: verificationName(hostname), value: `${TXT_VALUE_PREFIX}${token}` },
  ];
}

/** Where the ownership TXT record lives. */
export function verificationName(hostname: string): string {
  return `${TXT_LABEL}.${hostname}`;
}

/** Whether TXT answers (each record's strings, as a resolver returns them) contain the token. */
export function hasVerificationToken(records: string[][], token: string): boolean {
  return records.some((chunks) => chunks.join("") === `${TXT_VALUE_PREFIX}${token}`);
}

/** A custom domain as the API and dashboard show it. */
export type DomainJson = {
  id: string;
  hostname: string;
  status: "pending" | "verified" | "lost";
  isPrimary: boolean;
  /** What the last check found missing (null when it verified). */
  lastError: string | null;
  checkedAt: string | null;
  verifiedAt: string | null;
  createdAt: string;
  /** The records to create at the domain's DNS provider. */
  records: DnsRecord[];
};
