/** Every PicoBase orchestrator's tenant veth interfaces start with this. */
export const PLATFORM_IFACE_PREFIX = "pb";

/** Never reachable from a tenant: the host, loopback, private and shared ranges, link-local (cloud metadata), multicast, reserved. */
const BLOCKED_V4 = [
  "0.0.0.0/8",
  "10.0.0.0/8",
  "100.64.0.0/10",
  "127.0.0.0/8",
  "169.254.0.0/16",
  "172.16.0.0/12",
  "192.0.0.0/24",
  "192.168.0.0/16",
  "198.18.0.0/15",
  "224.0.0.0/4",
  "240.0.0.0/4",
];
const BLOCKED_V6 = ["::1/128", "::ffff:0:0/96", "64:ff9b::/96", "fc00::/7", "fe80::/10", "ff00::/8"];

export type FirewallSettings = {
  /** Host-side interfaces of this orchestrator's tenant veth pairs all start with this. */
  ifacePrefix: string;
  /** The subnet tenant veth pairs are numbered from (e.g. 10.201.0.0/16). */
  tenantSubnet: string;
  /** Operator exceptions to the blocked ranges (CIDRs), e.g. a private API the tenants may call. */
  allow: string[];
  /** Resolvers tenants may query on port 53 even when they sit in a blocked range (the host's, from resolv.conf). */
  dns: string[];
  /** True when we turned IP forwarding on: then nothing but PicoBase tenant traffic may be forwarded, as before. */
  forwardOnlyTenants: boolean;
};

const isV6 = (cidr: string) => cidr.includes(":");
const set = (items: string[]) => `{ ${items.join(", ")} }`;

/**
 * The body of this orchestrator's nftables table (`inet <name>`), replaced atomically on every
 * start. Tenants live in their own network namespaces behind a veth pair whose host side starts
 * with `ifacePrefix`:
 * - input: from a tenant, only replies to connections the host opened (the gateway's) get in, so
 *   no host service (internal API, dashboard, sqld, S3, anything on 0.0.0.0) is reachable;
 * - forward: tenant → internet is allowed except blocked ranges (allow-list first, resolvers on
 *   53), tenant → tenant never, internet → tenant only as replies;
 * - postrouting: tenant traffic leaving the host is masqueraded.
 */
export function renderFirewall(table: string, s: FirewallSettings): string {
  const tenants = `iifname "${s.ifacePrefix}*"`;
  const toTenants = `oifname "${s.ifacePrefix}*"`;
  const anyPlatform = `"${PLATFORM_IFACE_PREFIX}*"`;
  const allow4 = s.allow.filter((c) => !isV6(c));
  const allow6 = s.allow.filter(isV6);
  const dns4 = s.dns.filter((c) => !isV6(c));
  const dns6 = s.dns.filter(isV6);
  const lines = [
    `table inet ${table} {`,
    "  chain input {",
    "    type filter hook input priority filter; policy accept;",
    `    ${tenants} ct state established,related accept`,
    `    ${tenants} drop`,
    "  }",
    "  chain forward {",
    "    type filter hook forward priority filter; policy accept;",
    `    ${tenants} ${toTenants} drop`,
    `    ${toTenants} ct state established,related accept`,
    `    ${toTenants} drop`,
    ...(dns4.length ? [`    ${tenants} ip daddr ${set(dns4)} meta l4proto { tcp, udp } th dport 53 accept`] : []),
    ...(dns6.length ? [`    ${tenants} ip6 daddr ${set(dns6)} meta l4proto { tcp, udp } th dport 53 accept`] : []),
    ...(allow4.length ? [`    ${tenants} ip daddr ${set(allow4)} accept`] : []),
    ...(allow6.length ? [`    ${tenants} ip6 daddr ${set(allow6)} accept`] : []),
    `    ${tenants} ip daddr ${set(BLOCKED_V4)} drop`,
    `    ${tenants} ip6 daddr ${set(BLOCKED_V6)} drop`,
    `    ${tenants} accept`,
    ...(s.forwardOnlyTenants ? [`    iifname != ${anyPlatform} oifname != ${anyPlatform} drop`] : []),
    "  }",
    "  chain postrouting {",
    "    type nat hook postrouting priority srcnat; policy accept;",
    `    ip saddr ${s.tenantSubnet} ${toTenants} accept`,
    `    ip saddr ${s.tenantSubnet} masquerade`,
    "  }",
    "}",
  ];
  return `${lines.join("\n")}\n`;
}

/** Nameservers from resolv.conf text. */
export function parseNameservers(resolvConf: string): string[] {
  const out: string[] = [];
  for (const line of resolvConf.split("\n")) {
    const match = /^\s*nameserver\s+(\S+)/.exec(line);
    if (match?.[1]) out.push(match[1]);
  }
  return out;
}
