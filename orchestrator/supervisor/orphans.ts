import fs from "node:fs/promises";
import type { Logger } from "../logger";
import { type TenantPaths, tenantPaths } from "../tenant/paths";
import { isTenantPocketBase, readPidFile, removePidFile } from "./pid-file";
import { isAlive, readCmdline, terminatePid } from "./proc";

export type OrphanOptions = { binary: string; stopTimeoutMs: number; log: Logger };

export type SweepOptions = OrphanOptions & {
  tenantsDir: string;
  /** Instances this supervisor runs right now: their pid files are live, not orphans. */
  isSupervised: (instanceId: string) => boolean;
};

/**
 * Stops PocketBase processes a previous orchestrator left behind. A pid file only counts when
 * /proc/<pid>/cmdline is our binary serving that tenant's data dir, so a recycled pid is never killed.
 */
export async function sweepOrphans(opts: SweepOptions): Promise<string[]> {
  const ids = await listTenantIds(opts.tenantsDir);
  const candidates = ids.filter((id) => !opts.isSupervised(id));
  const swept = await Promise.all(candidates.map((id) => stopOrphan(opts, id, tenantPaths(opts.tenantsDir, id))));
  return candidates.filter((_, i) => swept[i]);
}

/**
 * Stops the process named by the tenant's pid file if it is this tenant's PocketBase; a stale pid
 * file is removed. True when a process was stopped.
 */
export async function stopOrphan(opts: OrphanOptions, instanceId: string, paths: TenantPaths): Promise<boolean> {
  const pid = await readPidFile(paths.pidFile);
  if (pid === undefined) return false;
  const log = opts.log.child({ instanceId, pid });
  const argv = (await isAlive(pid)) ? await readCmdline(pid) : undefined;
  if (!argv || !isTenantPocketBase(argv, opts.binary, paths.dataDir)) {
    log.info("removing stale pid file (process gone or not this tenant's PocketBase)");
    await removePidFile(paths.pidFile);
    return false;
  }
  log.warn("stopping orphaned tenant process left by a previous orchestrator");
  const how = await terminatePid(pid, opts.stopTimeoutMs);
  log.info({ how }, "orphaned tenant process stopped");
  await removePidFile(paths.pidFile);
  return true;
}

async function listTenantIds(tenantsDir: string): Promise<string[]> {
  try {
    const entries = await fs.readdir(tenantsDir, { withFileTypes: true });
    return entries.filter((e) => e.isDirectory()).map((e) => e.name);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw err;
  }
}
