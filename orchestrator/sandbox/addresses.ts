/** The addresses of one tenant's veth pair: a /30 of the tenant subnet per slot. */
export type TenantAddresses = { slot: number; hostIp: string; tenantIp: string; prefix: 30 };

/** Parses an IPv4 CIDR such as 10.201.0.0/16. */
export function parseCidr(cidr: string): { base: number; bits: number } {
  const match = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(cidr.trim());
  if (!match) throw new Error(`not an IPv4 CIDR: ${cidr}`);
  const octets = match.slice(1, 5).map(Number);
  const bits = Number(match[5]);
  if (octets.some((o) => o > 255) || bits > 30 || bits < 8) throw new Error(`unusable tenant subnet: ${cidr} (need /8 to /30)`);
  const base = octets.reduce((acc, o) => acc * 256 + o, 0);
  const size = 2 ** (32 - bits);
  return { base: base - (base % size), bits };
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
