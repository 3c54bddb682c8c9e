import { INSIDE } from "../sandbox/bwrap-args";
import type { Command, TenantSandbox } from "../sandbox/create-sandbox";
import type { TenantPaths } from "../tenant/paths";
import type { PortAllocator } from "./port-allocator";
import type { PocketbaseDirs } from "./tenant-command";

/** A platform folder shown read-only to a one-off command (host path → path the command sees). */
type PlatformBind = { host: string; inside: string };

/**
 * How one tenant's PocketBase processes are started and ended: plainly (as the orchestrator's own
 * user, when not root) or inside its sandbox. Everything else in supervision is the same.
 */
export type TenantRunner = {
  /** The folders as PocketBase sees them. */
  dirs: PocketbaseDirs;
  /** Where the platform reaches the tenant's PocketBase. */
  host: string;
  ports: PortAllocator;
  /** The --http value for `port`. */
  listen(port: number): string;
  /** The command for `pocketbase <args>`; one-off commands get no network and may see platform files read-only. */
  command(pocketbaseArgs: string[], kind: "serve" | "once", binds?: PlatformBind[]): Command;
  /** Where a platform folder appears to the command (for arguments). */
  insidePath(bind: PlatformBind): string;
  /** The pid to send the graceful SIGTERM to, given the pid we spawned. */
  gracefulPid(spawnedPid: number): Promise<number | undefined>;
  /** Kernel OOM kills so far (0 when not measured). */
  oomKills(): Promise<number>;
  /** Ends every process the tenant still has (daemons started by hooks included). */
  endAll(): Promise<void>;
};

/** Runs PocketBase directly; with setpriv it gets SIGTERM when the orchestrator dies. */
export function plainRunner(binary: string, paths: TenantPaths, ports: PortAllocator, setpriv: string | undefined): TenantRunner {
  return {
    dirs: paths,
    host: "127.0.0.1",
    ports,
    listen: (port) => `127.0.0.1:${port}`,
    command: (args) => (setpriv ? { file: setpriv, args: ["--pdeathsig", "SIGTERM", "--", binary, ...args] } : { file: binary, args }),
    insidePath: (bind) => bind.host,
    gracefulPid: (pid) => Promise.resolve(pid),
    oomKills: () => Promise.resolve(0),
    endAll: () => Promise.resolve(),
  };
}

/** A port "allocator" for a tenant alone in its network namespace: always the same port. */
function fixedPort(port: number): PortAllocator {
  return { acquire: () => Promise.resolve(port), release: () => undefined };
}

/** Runs PocketBase inside the tenant's sandbox (see sandbox/create-sandbox.ts). */
export function sandboxRunner(sandbox: TenantSandbox): TenantRunner {
  return {
    dirs: INSIDE,
    host: sandbox.host,
    ports: fixedPort(sandbox.port),
    listen: (port) => `0.0.0.0:${port}`,
    command: (args, kind, binds) => sandbox.command([INSIDE.binary, ...args], kind === "serve" ? "tenant" : "none", binds),
    insidePath: (bind) => bind.inside,
    gracefulPid: (pid) => sandbox.innerPid(pid),
    oomKills: () => sandbox.cgroup.oomKills(),
    endAll: () => sandbox.cgroup.killAll(),
  };
}
