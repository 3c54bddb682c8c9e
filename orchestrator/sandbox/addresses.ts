/** The addresses of one tenant's veth pair: a /30 of the tenant subnet per slot. */
export type TenantAddresses = { slot: number; hostIp: string; tenantIp: string; prefix: 30 };

/** The range of an IPv4 CIDR (a bare address is a /32), or undefined when it is not one. */
function ipv4Range(text: string): { base: number; bits: number } | undefined {
  const match = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})(?:\/(\d{1,2}))?$/.exec(text.trim());
  if (!match) return undefined;
  const octets = match.slice(1, 5).map(Number);
  const bits = match[5] === undefined ? 32 : Number(match[5]);
  if (octets.some((o) => o > 255) || bits > 32) return undefined;
  const base = octets.reduce((acc, o) => acc * 256 + o, 0);
  const size = 2 ** (32 - bits);
  return { base: base - (base % size), bits };
}

/** Parses an IPv4 CIDR such as 10.201.0.0/16. */
export function parseCidr(cidr: string): { base: number; bits: number } {
  const range = cidr.includes("/") ? ipv4Range(cidr) : undefined;
  if (!range) throw new Error(`not an IPv4 CIDR: ${cidr}`);
  if (range.bits > 30 || range.bits < 8) throw new Error(`unusable tenant subnet: ${cidr} (need /8 to /30)`);
  return range;
}

/** A route of the host's main table, as `ip -j route show` prints it. */
export type HostRoute = { dst: string; dev?: string };

/**
 * The host routes that fall inside `cidr` (or equal it): tenant veth pairs numbered from it would
 * collide with them (another orchestrator's tenants, or a network of the host). Broader routes
 * (a default route, a VPN's 10.0.0.0/8) are fine: a tenant's /30 is more specific.
 */
export function routesInside(cidr: string, routes: HostRoute[]): HostRoute[] {
  const subnet = parseCidr(cidr);
  const end = subnet.base + 2 ** (32 - subnet.bits);
  return routes.filter((route) => {
    const r = route.dst === "default" ? undefined : ipv4Range(route.dst);
    return r !== undefined && r.bits >= subnet.bits && r.base >= subnet.base && r.base < end;
  });
}

/**
 * The host routes that keep `cidr` from being used by this orchestrator: those inside it (see
 * `routesInside`), except on our own interfaces (after a kill they outlive the swept namespaces until
 * the last tenant process in them has exited) and on devices the host no longer has (`ip` prints an
 * unregistered device as `if<index>` while a deleted namespace's veth pair is being torn down).
 */
export function subnetConflicts(cidr: string, routes: HostRoute[], own: { ifacePrefix: string; devices: ReadonlySet<string> }): HostRoute[] {
  return routesInside(cidr, routes).filter((r) => r.dev === undefined || (!r.dev.startsWith(own.ifacePrefix) && own.devices.has(r.dev)));
}

/** How many tenants fit in the subnet (one /30 each). */
export function slotCount(cidr: string): number {
  return 2 ** (32 - parseCidr(cidr).bits) / 4;
}

/** Host and tenant address of `slot`. */
export function slotAddresses(cidr: string, slot: number): TenantAddresses {
  if (!Number.isInteger(slot) || slot < 0 || slot >= slotCount(cidr)) throw new Error(`slot ${slot} is outside ${cidr}`);
  const first = parseCidr(cidr).base + slot * 4;
  return { slot, hostIp: ipv4(first + 1), tenantIp: ipv4(first + 2), prefix: 30 };
}

function ipv4(n: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(n / 2 ** shift) % 256).join(".");
}

/** Hands out slots; a released slot goes to the back of the queue so it is reused as late as possible. */
export function createSlotPool(count: number) {
  const used = new Set<number>();
  const released: number[] = [];
  let next = 0;
  return {
    acquire(): number {
      if (next < count) {
        used.add(next);
        return next++;
      }
      const slot = released.shift();
      if (slot === undefined) throw new Error(`no free tenant network slot (all ${count} in use): widen TENANT_SUBNET`);
      used.add(slot);
      return slot;
    },
    release(slot: number): void {
      if (used.delete(slot)) released.push(slot);
    },
  };
}
