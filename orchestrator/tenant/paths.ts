import path from "node:path";

/**
 * Where one tenant lives on this host. `root` and `meta/` are ours (pid file, local sync state,
 * captured logs, generated /etc); the PocketBase folders live on the tenant's volume (`volume`,
 * its own size-limited filesystem when the sandbox is on, else a plain folder).
 */
export type TenantPaths = ReturnType<typeof tenantPaths>;

/** The folder layout of one tenant under the orchestrator's tenants directory. */
export function tenantPaths(tenantsDir: string, instanceId: string) {
  const root = path.join(tenantsDir, instanceId);
  const meta = path.join(root, "meta");
  const volume = path.join(root, "vol");
  return {
    root,
    volume,
    volumeImage: path.join(root, "volume.img"),
    /** The loop device the image was last attached to (sandbox/loop-devices.ts). */
    loopDeviceFile: path.join(meta, "loop-device"),
    dataDir: path.join(volume, "pb_data"),
    hooksDir: path.join(volume, "pb_hooks"),
    migrationsDir: path.join(volume, "pb_migrations"),
    publicDir: path.join(volume, "pb_public"),
    meta,
    pidFile: path.join(meta, "pocketbase.pid"),
    syncStateFile: path.join(meta, "sync-state.json"),
    logFile: path.join(meta, "pocketbase.log"),
  };
}
