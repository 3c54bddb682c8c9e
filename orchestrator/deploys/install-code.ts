import fs from "node:fs/promises";
import path from "node:path";
import type { Logger } from "../logger";
import type { ObjectStorage } from "../storage/object-storage";
import { isCode, writeFileAtomic } from "../sync/local-files";
import { withStaging } from "../sync/staging";
import { codeDirectories, swapInDirectories } from "../sync/swap-directories";
import type { FileOwner } from "../sync/tenant-file";
import type { TenantPaths } from "../tenant/paths";
import { downloadDeploy, readDeployManifest } from "./deploy-store";

/** Which deploy's files are in the tenant's code folders on this host (`meta/deploy.json`). */
const markerFile = (paths: TenantPaths) => path.join(paths.meta, "deploy.json");

/** The deploy installed here: its id, null for "no deploy" (empty folders), undefined when unknown. */
export async function installedDeploy(paths: TenantPaths): Promise<string | null | undefined> {
  try {
    const { deployId } = JSON.parse(await fs.readFile(markerFile(paths), "utf8")) as { deployId: unknown };
    return typeof deployId === "string" ? deployId : null;
  } catch (err) {
    if (isCode(err, "ENOENT")) return undefined;
    throw err;
  }
}

/**
 * Replaces the tenant's pb_hooks, pb_migrations and pb_public with the files of `deployId` (empty
 * folders for null). The tenant must not be running. Everything is downloaded and verified in a
 * staging folder on the tenant's volume that only we can enter, given to `owner` there, and
 * swapped in with renames, so a failure leaves the previous folders in place; the previous ones
 * are then deleted without following any link the tenant left in them.
 */
export async function installCode(
  deps: { storage: ObjectStorage; log: Logger },
  instanceId: string,
  paths: TenantPaths,
  deployId: string | null,
  owner: FileOwner | undefined,
): Promise<void> {
  const give = async (p: string) => {
    if (owner) await fs.lchown(p, owner.uid, owner.gid);
  };
  await withStaging({ parent: paths.volume, prefix: ".deploy-", log: deps.log }, async (staging) => {
    const fresh = path.join(staging, "new");
    await fs.mkdir(fresh);
    const directories = codeDirectories(paths);
    for (const { name } of directories) {
      await fs.mkdir(path.join(fresh, name), { mode: 0o700 });
      await give(path.join(fresh, name));
    }
    if (deployId) await downloadDeploy(deps.storage, await readDeployManifest(deps.storage, instanceId, deployId), fresh, give);
    await swapInDirectories(directories, fresh, path.join(staging, "old"), deps.log);
    await writeFileAtomic(markerFile(paths), JSON.stringify({ deployId }));
  });
}
