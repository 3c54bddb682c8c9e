import path from "node:path";
import { secretNameProblem } from "../../lib/validations/secrets";
import type { TenantPaths } from "../tenant/paths";

/** The only PATH a tenant sees: enough for `$os.cmd` to find standard tools, nothing of ours. */
export const TENANT_PATH = "/usr/local/bin:/usr/bin:/bin";

/**
 * Prewarmed JS VMs per tenant (PocketBase defaults to 15). Each costs ~0.5 MB when the tenant has
 * hooks; busy pools create one-off VMs on demand, so a small pool only costs latency under load.
 */
const HOOKS_POOL_SIZE = 4;

/**
 * The complete environment of a tenant process (spawned with extendEnv: false). Nothing from the
 * orchestrator's own environment is passed on: tenants run arbitrary JS that can read all of it.
 * The tenant's own `secrets` come first, so a platform variable always keeps the platform's
 * value, and only under names a secret may have: on their way in they pass the sandbox's
 * launcher (running as root), which must never see a loader or shell variable of the tenant's.
 */
export function tenantEnv(dirs: Pick<PocketbaseDirs, "root">, memoryLimit: string, maxProcs = 0, secrets: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = Object.fromEntries(Object.entries(secrets).filter(([name]) => secretNameProblem(name) === null));
  Object.assign(env, { PATH: TENANT_PATH, HOME: dirs.root, TZ: "UTC", GOMEMLIMIT: memoryLimit });
  // A cap on the Go scheduler keeps one busy tenant from taking every core from its neighbours and the gateway.
  if (maxProcs > 0) env.GOMAXPROCS = String(maxProcs);
  return env;
}

/** The folders PocketBase is pointed at: host paths, or the fixed ones inside a sandbox (sandbox/bwrap-args.ts INSIDE). */
export type PocketbaseDirs = Pick<TenantPaths, "root" | "dataDir" | "hooksDir" | "migrationsDir" | "publicDir">;

/** Flags shared by every PocketBase command we run for a tenant. */
function dirFlags(dirs: PocketbaseDirs): string[] {
  // --dev=false: PocketBase turns dev mode (SQL statements in the log) on by itself when its
  // binary lives under the temp dir, as it does in a CI checkout there.
  return ["--dir", dirs.dataDir, "--hooksWatch=false", "--dev=false"];
}

/**
 * `pocketbase serve` on `listen` (loopback, or all addresses of the tenant's own network
 * namespace). `--hooksWatch=false`: a watcher costs one inotify instance per tenant (128 per uid
 * by default) and turns a broken hook into a silent half-loaded app; without it a hook that throws
 * at load makes serve exit, which we surface as a crash with its log lines. Automigrate stays on:
 * it only writes the tenant's own pb_migrations, which we persist.
 */
export function serveArgs(dirs: PocketbaseDirs, listen: string): string[] {
  return [
    "serve",
    "--http",
    listen,
    ...dirFlags(dirs),
    "--migrationsDir",
    dirs.migrationsDir,
    "--hooksDir",
    dirs.hooksDir,
    "--publicDir",
    dirs.publicDir,
    `--hooksPool=${HOOKS_POOL_SIZE}`,
  ];
}

/**
 * `pocketbase migrate up` over the platform's provisioning migrations only (`platformMigrations`),
 * never the tenant's: no tenant hooks are loaded (a hooks dir that does not exist) and the
 * tenant's pb_migrations are not applied, so a broken or hostile deploy cannot block or observe
 * provisioning. Credentials reach the migration through the environment, never the command line.
 */
export function provisionArgs(dirs: PocketbaseDirs, platformMigrations: string): string[] {
  return ["migrate", "up", ...dirFlags(dirs), "--migrationsDir", platformMigrations, "--hooksDir", path.join(dirs.root, "no-hooks")];
}
