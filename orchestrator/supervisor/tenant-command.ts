import path from "node:path";
import type { TenantPaths } from "../tenant/paths";

/** The only PATH a tenant sees: enough for `$os.cmd` to find standard tools, nothing of ours. */
export const TENANT_PATH = "/usr/local/bin:/usr/bin:/bin";

/**
 * Prewarmed JS VMs per tenant (PocketBase defaults to 15). Each costs ~0.5 MB when the tenant has
 * hooks; busy pools create one-off VMs on demand, so a small pool only costs latency under load.
 */
export const HOOKS_POOL_SIZE = 4;

/**
 * The complete environment of a tenant process (spawned with extendEnv: false). Nothing from the
 * orchestrator's own environment is passed on: tenants run arbitrary JS that can read all of it.
 */
export function tenantEnv(paths: TenantPaths, memoryLimit: string, maxProcs = 0): Record<string, string> {
  const env: Record<string, string> = { PATH: TENANT_PATH, HOME: paths.root, TZ: "UTC", GOMEMLIMIT: memoryLimit };
  // A cap on the Go scheduler keeps one busy tenant from taking every core from its neighbours and the gateway.
  if (maxProcs > 0) env.GOMAXPROCS = String(maxProcs);
  return env;
}

/** Flags shared by every PocketBase command we run for a tenant. */
function dirFlags(paths: TenantPaths): string[] {
  // --dev=false: PocketBase turns dev mode (SQL statements in the log) on by itself when its
  // binary lives under the temp dir, as it does in a CI checkout there.
  return ["--dir", paths.dataDir, "--migrationsDir", paths.migrationsDir, "--hooksWatch=false", "--dev=false"];
}

/**
 * `pocketbase serve` bound to loopback. `--hooksWatch=false`: a watcher costs one inotify instance
 * per tenant (128 per uid by default) and turns a broken hook into a silent half-loaded app; without
 * it a hook that throws at load makes serve exit, which we surface as a crash with its log lines.
 * Automigrate stays on: it only writes the tenant's own pb_migrations, which we persist.
 */
export function serveArgs(paths: TenantPaths, port: number): string[] {
  return [
    "serve",
    "--http",
    `127.0.0.1:${port}`,
    ...dirFlags(paths),
    "--hooksDir",
    paths.hooksDir,
    "--publicDir",
    paths.publicDir,
    `--hooksPool=${HOOKS_POOL_SIZE}`,
  ];
}

/**
 * `pocketbase superuser upsert`. Tenant hooks are deliberately not loaded (a hooks dir that never
 * exists, in the tenant root, which the tenant cannot write): a broken or hostile hook must not
 * block or observe platform provisioning.
 */
export function superuserArgs(paths: TenantPaths, email: string, password: string): string[] {
  // Positionals after `--`: a password starting with "-" would otherwise be parsed as flags.
  return ["superuser", "upsert", ...dirFlags(paths), "--hooksDir", path.join(paths.root, "no-hooks"), "--", email, password];
}
