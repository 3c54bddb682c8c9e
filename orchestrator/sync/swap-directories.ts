import fs from "node:fs/promises";
import path from "node:path";
import type { Logger } from "../logger";
import type { TenantPaths } from "../tenant/paths";
import { isCode } from "./local-files";

/** A folder to swap in: its name in the staging folder and where it goes. */
export type SwappedDirectory = { name: string; target: string };

/** The tenant folders a restore replaces, by their name in a staging folder. */
export function tenantDirectories(paths: TenantPaths): SwappedDirectory[] {
  return [
    { name: "pb_data", target: paths.dataDir },
    { name: "pb_hooks", target: paths.hooksDir },
    { name: "pb_migrations", target: paths.migrationsDir },
  ];
}

/** The tenant's code folders a deploy replaces (pb_public is not part of data snapshots). */
export function codeDirectories(paths: TenantPaths): SwappedDirectory[] {
  return [
    { name: "pb_hooks", target: paths.hooksDir },
    { name: "pb_migrations", target: paths.migrationsDir },
    { name: "pb_public", target: paths.publicDir },
  ];
}

/** A failed swap whose undo also failed: the previous folders are parked in `parkedIn`, keep it. */
export class RestoreRollbackError extends Error {
  constructor(
    readonly parkedIn: string,
    cause: unknown,
  ) {
    super(`Swapping tenant folders failed and could not be undone; the previous tenant folders are kept in ${parkedIn}`, { cause });
    this.name = "RestoreRollbackError";
  }
}

type Step = { name: string; target: string; movedOld: boolean; movedNew: boolean };

/**
 * Moves each folder of `fresh` into place, parking the current one in `old` (renames on one
 * filesystem). If any rename fails, the steps done so far are undone so the tenant keeps its
 * previous folders.
 */
export async function swapInDirectories(directories: SwappedDirectory[], fresh: string, old: string, log: Logger): Promise<void> {
  await fs.mkdir(old, { recursive: true });
  const steps: Step[] = [];
  try {
    for (const { name, target } of directories) {
      const step: Step = { name, target, movedOld: false, movedNew: false };
      steps.push(step);
      step.movedOld = await renameIfExists(target, path.join(old, name));
      await fs.rename(path.join(fresh, name), target);
      step.movedNew = true;
    }
  } catch (err) {
    if (!(await undo(steps, fresh, old, log))) throw new RestoreRollbackError(old, err);
    throw err;
  }
}

/** Reverses the steps done; false when one could not be reversed. */
async function undo(steps: Step[], fresh: string, old: string, log: Logger): Promise<boolean> {
  let ok = true;
  for (const step of steps.reverse()) {
    try {
      if (step.movedNew) await fs.rename(step.target, path.join(fresh, step.name));
      if (step.movedOld) await fs.rename(path.join(old, step.name), step.target);
    } catch (err) {
      ok = false;
      log.error({ err, target: step.target, parked: path.join(old, step.name) }, "could not undo a failed restore step");
    }
  }
  return ok;
}

async function renameIfExists(from: string, to: string): Promise<boolean> {
  try {
    await fs.rename(from, to);
    return true;
  } catch (err) {
    if (isCode(err, "ENOENT")) return false;
    throw err;
  }
}
