import fs from "node:fs/promises";
import path from "node:path";
import { execa } from "execa";
import pLimit from "p-limit";
import type { Logger } from "../logger";
import type { Volumes, VolumeUsage } from "../sandbox/volumes";
import { removeTenantTree } from "../sync/remove-tree";
import { tenantPaths } from "../tenant/paths";

const MIB = 1024 * 1024;
/** How long a measured usage is trusted before the next request triggers a new statfs. */
const USAGE_TTL_MS = 1_000;
/** Volumes a shutdown unmounts at once. */
const UNMOUNTS_AT_ONCE = 4;
/** Folders that lived in the tenant root before volumes existed; moved onto the volume once. */
const LEGACY_DIRS = ["pb_data", "pb_hooks", "pb_migrations", "pb_public"];

/**
 * Each tenant's disk: its volume (a size-limited filesystem when the sandbox is on) and what it
 * uses. `isOverQuota` answers from memory (refreshed in the background at most once a second), so
 * the gateway's write check costs no I/O on the request path.
 */
export function createTenantDisk(deps: {
  tenantsDir: string;
  volumes: Volumes | undefined;
  log: Logger;
  /** Told when a tenant's usage moved by a MiB or more (or its quota changed), to show it in the dashboard. */
  onUsage?: (id: string, usage: { usedBytes: number; quotaBytes: number }) => Promise<unknown>;
  now?: () => number;
}) {
  const now = deps.now ?? Date.now;
  const measured = new Map<string, { usage: VolumeUsage; at: number }>();
  const quotas = new Map<string, number>();
  const reported = new Map<string, { usedBytes: number; quotaBytes: number }>();
  const refreshing = new Set<string>();
  /** Volumes this process has fully prepared: a wake only checks the mount is still there. */
  const ready = new Set<string>();
  const pathsOf = (id: string) => tenantPaths(deps.tenantsDir, id);

  async function measure(id: string): Promise<VolumeUsage | undefined> {
    if (!deps.volumes) return undefined;
    const usage = await deps.volumes.usage(pathsOf(id));
    measured.set(id, { usage, at: now() });
    report(id, usage.usedBytes);
    return usage;
  }

  function report(id: string, usedBytes: number): void {
    const quotaBytes = quotas.get(id) ?? 0;
    const last = reported.get(id);
    if (!deps.onUsage || (last && last.quotaBytes === quotaBytes && Math.abs(last.usedBytes - usedBytes) < MIB)) return;
    reported.set(id, { usedBytes, quotaBytes });
    deps.onUsage(id, { usedBytes, quotaBytes }).catch((err: unknown) => deps.log.warn({ err, instanceId: id }, "recording disk usage failed"));
  }

  function refreshSoon(id: string): void {
    if (refreshing.has(id)) return;
    refreshing.add(id);
    measure(id)
      .catch((err: unknown) => deps.log.warn({ err, instanceId: id }, "measuring the tenant volume failed"))
      .finally(() => refreshing.delete(id));
  }

  return {
    /** Mounts (creating or growing) the tenant's volume of `quotaBytes` before anything is written to it. */
    async ensure(id: string, quotaBytes: number): Promise<void> {
      const paths = pathsOf(id);
      if (ready.has(id) && quotas.get(id) === quotaBytes && (!deps.volumes || (await deps.volumes.isMounted(paths)))) return;
      quotas.set(id, quotaBytes);
      if (deps.volumes) await deps.volumes.ensure(paths, quotaBytes);
      else await fs.mkdir(paths.volume, { recursive: true });
      await moveLegacyFolders(paths.root, paths.volume);
      await measure(id);
      ready.add(id);
    },
    /** True when the tenant uses its whole quota: writes through the gateway get 507. */
    isOverQuota(id: string): boolean {
      const hit = measured.get(id);
      if (!hit) return false;
      if (now() - hit.at > USAGE_TTL_MS) refreshSoon(id);
      return hit.usage.usedBytes >= (quotas.get(id) ?? Number.POSITIVE_INFINITY);
    },
    /** Unmounts the tenant's volume (before its folder is deleted). */
    async release(id: string): Promise<void> {
      measured.delete(id);
      ready.delete(id);
      reported.delete(id);
      if (deps.volumes) await deps.volumes.unmount(pathsOf(id));
    },
    /** Shutdown: unmounts every volume this process measured, a few at a time (each is a `umount` process and a journal flush). */
    async close(): Promise<void> {
      const slots = pLimit(UNMOUNTS_AT_ONCE);
      const ids = [...measured.keys()];
      const released = await Promise.allSettled(ids.map((id) => slots(() => this.release(id))));
      await deps.volumes?.close();
      const failed = released.flatMap((r, i) => (r.status === "rejected" ? [{ instanceId: ids[i], err: r.reason as unknown }] : []));
      for (const f of failed) deps.log.error(f, "unmounting a volume at shutdown failed");
      if (failed.length > 0) throw new Error(`${failed.length} of ${ids.length} volumes could not be unmounted (see the errors above)`);
    },
  };
}

export type TenantDisk = ReturnType<typeof createTenantDisk>;

/**
 * Earlier versions kept the PocketBase folders in the tenant root: they move onto the volume once.
 * The tree is the tenant's, so it is copied by `cp -a` (links copied as links, FIFOs recreated,
 * never opened) and removed without following links.
 */
async function moveLegacyFolders(root: string, volume: string): Promise<void> {
  for (const name of LEGACY_DIRS) {
    const from = path.join(root, name);
    const stat = await fs.lstat(from).catch(() => undefined);
    if (!stat?.isDirectory()) continue;
    const to = path.join(volume, name);
    await removeTenantTree(to);
    await execa("cp", ["-a", "--no-target-directory", from, to]);
    await removeTenantTree(from);
  }
}
