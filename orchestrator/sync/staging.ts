import fs from "node:fs/promises";
import path from "node:path";
import type { Logger } from "../logger";
import { removeTenantTree } from "./remove-tree";
import { RestoreRollbackError } from "./swap-directories";

export type StagingOptions = {
  /** Where the folder is made: the tenant's volume (swaps rename within it) or a folder of ours. */
  parent: string;
  /** Names the kind of operation; earlier folders with it are what `sweepStaging` deletes. */
  prefix: string;
  log: Logger;
  /** Deletes the folder after the work (default: without following a tenant's link, `removeTenantTree`). */
  remove?: (dir: string) => Promise<void>;
};

/**
 * Runs `work` in a new staging folder `<parent>/<prefix>XXXXXX` and deletes it afterwards, unless
 * the work failed with a swap that could not be undone (`RestoreRollbackError`): the folder then
 * holds the tenant's previous folders. What earlier operations of the same kind left (a crash
 * mid-download) is deleted first (see `sweepStaging`).
 */
export async function withStaging<T>(options: StagingOptions, work: (staging: string) => Promise<T>): Promise<T> {
  await sweepStaging(options.parent, options.prefix, options.log);
  const staging = await fs.mkdtemp(path.join(options.parent, options.prefix));
  let keep = false;
  try {
    return await work(staging);
  } catch (err) {
    keep = err instanceof RestoreRollbackError;
    throw err;
  } finally {
    if (!keep) await (options.remove ?? removeTenantTree)(staging);
  }
}

/**
 * Deletes the staging folders named `<prefix>…` in `parent` that a crash left: on a tenant's
 * volume they would count against its quota for good. A tenant's operations run one at a time (the
 * lifecycle's queue), so none of them is in use. One holding a failed swap's parked folders
 * (`old/`, not empty) is kept: it may be the only copy of the tenant's previous data.
 */
export async function sweepStaging(parent: string, prefix: string, log: Logger): Promise<void> {
  for (const name of await fs.readdir(parent)) {
    if (!name.startsWith(prefix)) continue;
    const dir = path.join(parent, name);
    const parked = await fs.readdir(path.join(dir, "old")).catch(() => []);
    if (parked.length > 0) log.warn({ dir }, "kept a staging folder holding a tenant's previous folders (a swap that could not be undone)");
    else await removeTenantTree(dir);
  }
}
