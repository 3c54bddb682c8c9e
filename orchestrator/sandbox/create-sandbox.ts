import fs from "node:fs/promises";
import path from "node:path";
import type { Logger } from "../logger";
import type { TenantPaths } from "../tenant/paths";
import { bwrapArgs, ETC_FILES, ETC_SHARED, etcFiles, INSIDE, SYSTEM_DIRS, type SandboxSpec } from "./bwrap-args";
import { favorCgroupMigrations } from "./cgroup-migrations";
import { openCgroups, type Cgroups, type TenantCgroup, type TenantLimits } from "./cgroups";
import { createTenantNetworks, type TenantNetworks } from "./network";
import { findInnerCommand } from "./proc-tree";
import { findTools, type SandboxTools } from "./tools";

export type SandboxConfig = {
  /** The PocketBase binary (host path), shown read-only inside. */
  binary: string;
  /** Short id of this orchestrator (see network.ts). */
  scope: string;
  limits: TenantLimits;
  tmpBytes: number;
  tenantSubnet: string;
  /** Whether to remount cgroup2 with favordynmods (see cgroup-migrations.ts). */
  favorDynmods: boolean;
  allow: string[];
  dns: string[] | undefined;
};

/** A spawnable command line. */
export type Command = { file: string; args: string[] };

/** A host folder or file shown inside at `inside`, read-only unless `writable`. */
type ExtraBind = { host: string; inside: string; writable?: boolean };

/** What the supervisor needs to run one tenant inside its sandbox. */
export type TenantSandbox = {
  /** PocketBase listens here, inside the tenant's own network namespace. */
  host: string;
  port: number;
  cgroup: TenantCgroup;
  /**
   * The command that runs `argv` (paths as seen inside, see INSIDE) in the sandbox: in the
   * tenant's network namespace, or with no network at all; `binds` adds platform folders.
   */
  command(argv: string[], network: "tenant" | "none", binds?: ExtraBind[]): Command;
  /** The sandboxed PocketBase of the process tree rooted at `spawnedPid` (for a graceful SIGTERM). */
  innerPid(spawnedPid: number): Promise<number | undefined>;
};

export type Sandbox = {
  /** Creates (or reuses) the tenant's cgroup, network namespace and /etc; `limits` default to the platform's. */
  prepare(instanceId: string, paths: TenantPaths, identity: { uid: number; gid: number }, limits?: TenantLimits): Promise<TenantSandbox>;
  /** Deletes the tenant's namespace and cgroup (instance deleted). */
  remove(instanceId: string): Promise<void>;
  close(): Promise<void>;
};

/** PocketBase's port inside every tenant's own network namespace. */
const TENANT_PORT = 8090;

// Joins every cgroup controller before exec, so bwrap and everything it forks are inside from the start.
const JOIN_CGROUP = 'n=$1; shift; while [ "$n" -gt 0 ]; do echo $$ > "$1" || exit 125; shift; n=$((n-1)); done; exec "$@"';

/**
 * Opens the sandbox (bubblewrap + cgroups + per-tenant network namespaces), or returns why it is
 * not possible here (not root, a tool or cgroup controller missing).
 */
export async function openSandbox(config: SandboxConfig, log: Logger): Promise<Sandbox | string> {
  if (process.getuid?.() !== 0) return "the orchestrator is not running as root";
  const tools = await findTools();
  if (typeof tools === "string") return tools;
  const cgroups = await openCgroups(config.scope);
  if (typeof cgroups === "string") return cgroups;
  let host: Host;
  let networks: TenantNetworks | undefined;
  try {
    if (config.favorDynmods) {
      const migrations = await favorCgroupMigrations();
      if (typeof migrations !== "string") log.warn({ reason: migrations.unavailable }, "tenant starts wait on cgroup moves (favordynmods not set)");
      else if (migrations === "enabled") log.info("cgroup2 remounted with favordynmods: tenant starts no longer wait on cgroup moves");
    }
    networks = await createTenantNetworks(config, tools, log);
    host = { config, tools, cgroups, networks, layout: await hostLayout(), nameservers: networks.dns };
  } catch (err) {
    // An orchestrator that cannot start (a subnet in use) leaves no folder, firewall table or namespace behind.
    await networks?.close().catch((closeErr: unknown) => log.warn({ err: closeErr }, "removing the tenant networks failed"));
    await cgroups.close();
    throw err;
  }
  log.info({ cgroup: `v${cgroups.version}`, limits: config.limits }, "tenant sandbox ready");
  // Prepared once per tenant and process lifetime: a wake reuses its cgroup, namespace and /etc.
  const prepared = new Map<string, { limits: string; sandbox: Promise<TenantSandbox> }>();
  return {
    async prepare(instanceId, paths, identity, limits = config.limits) {
      const key = JSON.stringify(limits);
      const hit = prepared.get(instanceId);
      // Reused unless the limits changed or the tenant's folder was wiped (its generated /etc is gone).
      if (hit?.limits === key && (await exists(path.join(paths.meta, "etc", "passwd")))) return hit.sandbox;
      const sandbox = prepareTenant(host, instanceId, paths, identity, limits);
      prepared.set(instanceId, { limits: key, sandbox });
      sandbox.catch(() => prepared.delete(instanceId)); // retried on the next start
      return sandbox;
    },
    async remove(instanceId) {
      prepared.delete(instanceId);
      await host.networks.remove(instanceId);
      await cgroups.remove(instanceId);
    },
    /**
     * Shutdown, once every tenant has stopped: their cgroups go too (three folders each on v1, left
     * behind by every run before) with the folder that holds them, then the namespaces and the
     * firewall table.
     */
    async close() {
      const ids = [...prepared.keys()];
      prepared.clear();
      // Side by side, so slow cgroup removals cannot use up the shutdown step's time before the namespaces and firewall go.
      const [removed] = await Promise.all([Promise.allSettled(ids.map((id) => cgroups.remove(id))), host.networks.close()]);
      const failed = removed.filter((r) => r.status === "rejected").length;
      if (failed > 0) log.warn({ failed, of: ids.length }, "some tenant cgroups could not be removed");
      else await cgroups.close();
    },
  };
}

/** What every tenant's sandbox is built from. */
type Host = {
  config: SandboxConfig;
  tools: SandboxTools;
  cgroups: Cgroups;
  networks: TenantNetworks;
  layout: Pick<SandboxSpec, "systemDirs" | "etcShared">;
  nameservers: string[];
};

async function prepareTenant(
  host: Host,
  instanceId: string,
  paths: TenantPaths,
  identity: { uid: number; gid: number },
  limits: TenantLimits,
): Promise<TenantSandbox> {
  const { config } = host;
  const cgroup = await host.cgroups.create(instanceId, limits);
  const network = await host.networks.ensure(instanceId);
  const etcDir = path.join(paths.meta, "etc");
  await writeEtc(etcDir, etcFiles(identity.uid, identity.gid, host.nameservers));
  return {
    host: network.tenantIp,
    port: TENANT_PORT,
    cgroup,
    command(argv, net, binds = []) {
      return sandboxCommand(host.tools, cgroup, net === "tenant" ? network.netnsPath : undefined, {
        ...host.layout,
        etcDir,
        binary: config.binary,
        binds: [...tenantBinds(paths), ...binds.filter((b) => b.writable)],
        roBinds: [...deployBinds(paths), ...binds.filter((b) => !b.writable)],
        uid: identity.uid,
        gid: identity.gid,
        tmpBytes: config.tmpBytes,
        network: net === "tenant" ? "inherit" : "none",
        command: argv,
      });
    },
    innerPid: async (spawnedPid) => findInnerCommand(spawnedPid, await cgroup.pids()),
  };
}

function sandboxCommand(tools: SandboxTools, cgroup: TenantCgroup, netnsPath: string | undefined, spec: SandboxSpec): Command {
  const enterNet = netnsPath ? [tools.nsenter, `--net=${netnsPath}`, "--"] : [];
  return {
    file: "/bin/sh",
    args: [
      "-c",
      JOIN_CGROUP,
      "sh",
      String(cgroup.procsFiles.length),
      ...cgroup.procsFiles,
      // bwrap --die-with-parent also ends the sandbox when its parent (we) dies, even by SIGKILL.
      ...enterNet,
      tools.bwrap,
      ...bwrapArgs(spec),
    ],
  };
}

/** What the tenant may write: its data and its migrations (PocketBase's automigrate writes there). */
function tenantBinds(paths: TenantPaths): SandboxSpec["binds"] {
  return [
    { host: paths.dataDir, inside: INSIDE.dataDir },
    { host: paths.migrationsDir, inside: INSIDE.migrationsDir },
  ];
}

/** Hooks and static files come from deploys; the running tenant only reads them. */
function deployBinds(paths: TenantPaths): NonNullable<SandboxSpec["roBinds"]> {
  return [
    { host: paths.hooksDir, inside: INSIDE.hooksDir },
    { host: paths.publicDir, inside: INSIDE.publicDir },
  ];
}

/** How the host's system folders look (bound read-only or recreated as symlinks inside). */
async function hostLayout(): Promise<Pick<SandboxSpec, "systemDirs" | "etcShared">> {
  const systemDirs: SandboxSpec["systemDirs"] = {};
  for (const dir of SYSTEM_DIRS) {
    const stat = await fs.lstat(dir).catch(() => undefined);
    if (stat?.isSymbolicLink()) systemDirs[dir] = await fs.readlink(dir);
    else if (stat?.isDirectory()) systemDirs[dir] = null;
  }
  const etcShared: string[] = [];
  for (const dir of ETC_SHARED) if ((await fs.stat(dir).catch(() => undefined))?.isDirectory()) etcShared.push(dir);
  return { systemDirs, etcShared };
}

async function writeEtc(dir: string, files: Record<(typeof ETC_FILES)[number], string>): Promise<void> {
  await fs.mkdir(dir, { recursive: true, mode: 0o755 });
  for (const name of ETC_FILES) await fs.writeFile(path.join(dir, name), files[name], { mode: 0o644 });
}

async function exists(file: string): Promise<boolean> {
  return fs.access(file).then(
    () => true,
    () => false,
  );
}
