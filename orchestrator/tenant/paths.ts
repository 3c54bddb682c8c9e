import path from "node:path";

/**
 * Where one tenant lives on this host. Everything under `root` except `meta/` belongs to the
 * tenant's PocketBase; `meta/` is ours (pid file, local sync state, captured logs).
 */
export type TenantPaths = ReturnType<typeof tenantPaths>;

/** The folder layout of one tenant under the orchestrator's tenants directory. */
export function tenantPaths(tenantsDir: string, instanceId: string) {
  const root = path.join(tenantsDir, instanceId);
  const meta = path.join(root, "meta");
  return {
    root,
    dataDir: path.join(root, "pb_data"),
    hooksDir: path.join(root, "pb_hooks"),
    migrationsDir: path.join(root, "pb_migrations"),
    publicDir: path.join(root, "pb_public"),
    meta,
    pidFile: path.join(meta, "pocketbase.pid"),
    syncStateFile: path.join(meta, "sync-state.json"),
    logFile: path.join(meta, "pocketbase.log"),
  };
}
