import fs from "node:fs/promises";
import { execa } from "execa";
import type { Logger } from "../logger";
import { createSlotPool, slotAddresses, slotCount, subnetConflicts, type HostRoute, type TenantAddresses } from "./addresses";
import { PLATFORM_IFACE_PREFIX, parseNameservers, renderFirewall } from "./firewall-rules";
import { runTool } from "./run-tool";
import type { SandboxTools } from "./tools";

/** One tenant's network namespace: PocketBase listens on `tenantIp` inside it. */
export type TenantNetwork = TenantAddresses & { netnsPath: string };

export type NetworkSettings = {
  /** Short id of this orchestrator (from its data folder), so two on one host never touch each other's namespaces. */
  scope: string;
  tenantSubnet: string;
  allow: string[];
  dns: string[] | undefined;
};

const NETNS_DIR = "/run/netns";
const IP_FORWARD = "/proc/sys/net/ipv4/ip_forward";

/**
 * Per-tenant network namespaces (veth pair to the host, default route via the host, masqueraded
 * outbound) and the host firewall that keeps tenants away from the host and each other. A
 * namespace lives from a tenant's first start until it is deleted or the orchestrator stops, so
 * a wake does not pay for it again.
 */
export async function createTenantNetworks(settings: NetworkSettings, tools: Pick<SandboxTools, "ip" | "nft">, log: Logger) {
  const ip = (args: string[], batch?: string[]) => run(tools.ip, args, batch);
  const nft = (table: string, ruleset: string) => installTable(tools.nft, table, ruleset);
  const pool = createSlotPool(slotCount(settings.tenantSubnet));
  const live = new Map<string, Promise<TenantNetwork>>();
  const { netnsPrefix, ifacePrefix, table } = scopeNames(settings.scope);
  await sweepNamespaces(netnsPrefix, ip);
  await refuseTakenSubnet(settings.tenantSubnet, ifacePrefix, tools.ip);
  const forwardOnlyTenants = (await fs.readFile(IP_FORWARD, "utf8")).trim() !== "1";
  const dns = settings.dns ?? parseNameservers(await fs.readFile("/etc/resolv.conf", "utf8").catch(() => ""));
  await nft(table, renderFirewall(table, { ifacePrefix, tenantSubnet: settings.tenantSubnet, allow: settings.allow, dns, forwardOnlyTenants }));
  // Outbound internet for tenants needs forwarding; the firewall above keeps it to tenant traffic
  // when it was off, so nothing else on the host starts being routed.
  if (forwardOnlyTenants) await fs.writeFile(IP_FORWARD, "1");
  log.info({ subnet: settings.tenantSubnet, dns, forwardOnlyTenants }, "tenant network firewall installed");
  if (dns.length === 0 || dns.every((ns) => ns.startsWith("127.") || ns === "::1")) {
    // A loopback resolver (e.g. systemd-resolved's 127.0.0.53) is the host's own: tenants have their own loopback.
    log.warn({ dns }, "tenants have no usable DNS resolver (the host's is on loopback): set TENANT_DNS to resolvers they may query");
  }

  async function setUp(instanceId: string): Promise<TenantNetwork> {
    const slot = pool.acquire();
    const a = slotAddresses(settings.tenantSubnet, slot);
    const name = netnsPrefix + instanceId;
    const veth = `${ifacePrefix}${slot}`;
    try {
      // Ours from a killed run whose last tenant process outlived the sweep: its name is ours to reuse.
      if (await exists(`/sys/class/net/${veth}`)) await ip(["link", "del", veth]);
      const mac = { host: vethMac("host", slot), tenant: vethMac("tenant", slot) };
      await ip(
        ["-batch", "-"],
        [
          `netns add ${name}`,
          `link add ${veth} address ${mac.host} type veth peer name eth0 address ${mac.tenant} netns ${name}`,
          `addr add ${a.hostIp}/30 dev ${veth}`,
          `link set ${veth} up`,
          `neigh replace ${a.tenantIp} lladdr ${mac.tenant} dev ${veth} nud permanent`,
        ],
      );
      await ip(
        ["-n", name, "-batch", "-"],
        [
          `addr add ${a.tenantIp}/30 dev eth0`,
          "link set lo up",
          "link set eth0 up",
          `neigh replace ${a.hostIp} lladdr ${mac.host} dev eth0 nud permanent`,
          `route add default via ${a.hostIp}`,
        ],
      );
    } catch (err) {
      await ip(["netns", "del", name]).catch(() => undefined); // best effort: the error below is what matters
      pool.release(slot);
      throw err;
    }
    return { ...a, netnsPath: `${NETNS_DIR}/${name}` };
  }

  async function remove(instanceId: string): Promise<void> {
    const network = live.get(instanceId);
    if (!network) return;
    live.delete(instanceId);
    const { slot } = await network;
    await ip(["netns", "del", netnsPrefix + instanceId]);
    pool.release(slot);
  }

  return {
    table,
    /** The resolvers tenants are given (and allowed to reach on port 53). */
    dns,
    /** The tenant's namespace, created on first use. */
    ensure(instanceId: string): Promise<TenantNetwork> {
      let network = live.get(instanceId);
      if (!network) {
        network = setUp(instanceId);
        live.set(instanceId, network);
        network.catch(() => live.delete(instanceId));
      }
      return network;
    },
    /** Deletes the tenant's namespace (its veth pair goes with it). */
    remove,
    /**
     * Shutdown: every namespace goes, then our firewall table (no tenant is left to filter). If we
     * turned IP forwarding on and no other orchestrator's table remains, it goes back off.
     */
    async close(): Promise<void> {
      await Promise.allSettled([...live.keys()].map(remove));
      await execa(tools.nft, ["delete", "table", "inet", table], { reject: false });
      const others = (await execa(tools.nft, ["list", "tables"], { reject: false })).stdout.includes("picobase_");
      if (forwardOnlyTenants && !others) await fs.writeFile(IP_FORWARD, "0");
    },
  };
}

export type TenantNetworks = Awaited<ReturnType<typeof createTenantNetworks>>;

/**
 * The MAC addresses of a tenant's veth pair, fixed by its slot (locally administered), so each
 * side knows the other's without asking: both keep a permanent neighbour entry. Entries learned
 * by ARP count against the kernel's neighbour table, which all network namespaces share
 * (net.ipv4.neigh.default.gc_thresh3, 1,024 by default), and past it tenants became unreachable
 * (EHOSTUNREACH, "neighbor table overflow"): 50 of 1,000 in bench/idle-tenants.ts. Permanent
 * entries are not counted. A MAC is unique per link only, and each veth pair is its own link.
 */
function vethMac(side: "host" | "tenant", slot: number): string {
  const bytes = [0x02, 0x50, side === "host" ? 0x48 : 0x54, (slot >> 16) & 0xff, (slot >> 8) & 0xff, slot & 0xff];
  return bytes.map((b) => b.toString(16).padStart(2, "0")).join(":");
}

/** What an orchestrator's namespaces, veth interfaces and firewall table are named from its scope. */
function scopeNames(scope: string) {
  return { netnsPrefix: `picobase-${scope}-`, ifacePrefix: `${PLATFORM_IFACE_PREFIX}${scope}`, table: `picobase_${scope}` };
}

/**
 * Deletes the namespaces and the firewall table that a killed orchestrator of `scope` left behind
 * (their veth pairs and routes go once the last process inside has exited). A clean stop removes
 * them itself, and a restart on the same data folder sweeps them; this is for one that will not
 * come back.
 */
export async function removeLeftovers(scope: string, tools: Pick<SandboxTools, "ip" | "nft">): Promise<void> {
  const { netnsPrefix, table } = scopeNames(scope);
  await sweepNamespaces(netnsPrefix, (args) => run(tools.ip, args));
  await execa(tools.nft, ["delete", "table", "inet", table], { reject: false });
}

/**
 * Refuses a tenant subnet the host already routes: another orchestrator's tenants or a network of
 * the host would answer for our tenants' addresses, and every start would time out with nothing in
 * the log to say why.
 */
async function refuseTakenSubnet(subnet: string, ifacePrefix: string, ipTool: string): Promise<void> {
  const shown = await execa(ipTool, ["-j", "-4", "route", "show"], { reject: false, all: true });
  if (shown.exitCode !== 0) throw new Error(`ip route show failed: ${shown.all ?? ""}`);
  const devices = new Set(await fs.readdir("/sys/class/net"));
  const taken = subnetConflicts(subnet, JSON.parse(shown.stdout || "[]") as HostRoute[], { ifacePrefix, devices });
  if (taken.length === 0) return;
  const examples = taken.slice(0, 3).map((r) => `${r.dst}${r.dev ? ` on ${r.dev}` : ""}`);
  throw new Error(
    `TENANT_SUBNET ${subnet} is already in use on this host (${examples.join(", ")}${taken.length > 3 ? ", …" : ""}): ` +
      "give each orchestrator on a host its own free range",
  );
}

/** Deletes this orchestrator's tenant namespaces left by a previous run (tenants die with the orchestrator). */
async function sweepNamespaces(prefix: string, ip: (args: string[]) => Promise<void>): Promise<void> {
  const names = await fs.readdir(NETNS_DIR).catch((err: NodeJS.ErrnoException) => {
    if (err.code === "ENOENT") return [];
    throw err;
  });
  for (const name of names) {
    if (name.startsWith(prefix)) await ip(["netns", "del", name]);
  }
}

async function exists(file: string): Promise<boolean> {
  return fs.access(file).then(
    () => true,
    () => false,
  );
}

/** Runs `ip` (or another tool) with `batch`, if any, as its stdin script, one command per line. */
function run(file: string, args: string[], batch?: string[]): Promise<void> {
  return runTool(file, args, batch ? { input: `${batch.join("\n")}\n` } : {});
}

async function installTable(nft: string, table: string, ruleset: string): Promise<void> {
  // Create-then-delete makes the replacement atomic and idempotent in one transaction.
  const input = `table inet ${table} {}\ndelete table inet ${table}\n${ruleset}`;
  await runTool(nft, ["-f", "-"], { input }).catch((err: Error) => {
    throw new Error(`installing the tenant firewall failed: ${err.message}`);
  });
}
