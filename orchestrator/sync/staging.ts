import fs from "node:fs/promises";
import path from "node:path";
import type { Logger } from "../logger";
import { isCode } from "./local-files";
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

/** Where a swap parks the folders it replaces (swap-directories.ts), and where they go once they are not needed. */
const PARKED = "old";
const REPLACED = "replaced";

/**
 * Runs `work` in a new staging folder `<parent>/<prefix>XXXXXX` and deletes it afterwards, unless
 * the work failed with a swap that could not be undone (`RestoreRollbackError`): the folder then
 * holds the tenant's previous folders. Before the deletion, folders a swap parked are renamed to
 * `replaced/`, so a crash during it leaves nothing `sweepStaging` would keep. What earlier
 * operations of the same kind left (a crash mid-download) is deleted first.
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
    if (!keep) {
      await fs.rename(path.join(staging, PARKED), path.join(staging, REPLACED)).catch((err: unknown) => {
        if (!isCode(err, "ENOENT")) throw err;
      });
      await (options.remove ?? removeTenantTree)(staging);
    }
  }
}

/**
 * Deletes the staging folders named `<prefix>…` in `parent` that a crash left: on a tenant's
 * volume they would count against its quota for good. A tenant's operations run one at a time (the
 * lifecycle's queue), so none of them is in use. One holding a failed swap's parked folders
 * (`old/`, not empty) is kept: it may be the only copy of the tenant's previous data; `keepParked:
 * false` for folders no swap uses (a tenant can write into those). Best effort: a leftover that
 * cannot be deleted is logged, and the operation goes on.
 */
export async function sweepStaging(parent: string, prefix: string, log: Logger, options: { keepParked?: boolean } = {}): Promise<void> {
  try {
    for (const name of await fs.readdir(parent)) {
      if (!name.startsWith(prefix)) continue;
      const dir = path.join(parent, name);
      if ((options.keepParked ?? true) && (await holdsParkedFolders(dir))) {
        log.warn({ dir }, "kept a staging folder holding a tenant's previous folders (a swap that could not be undone)");
      } else {
        await removeTenantTree(dir);
      }
    }
  } catch (err) {
    log.warn({ err, parent, prefix }, "could not delete staging folders an earlier operation left");
  }
}

/** Whether `old/` has anything in it; when it cannot be read (other than missing), assumed so. */
async function holdsParkedFolders(dir: string): Promise<boolean> {
  try {
    return (await fs.readdir(path.join(dir, PARKED))).length > 0;
  } catch (err) {
    return !isCode(err, "ENOENT") && !isCode(err, "ENOTDIR");
  }
}
