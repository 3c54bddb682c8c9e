import fs from "node:fs";
import path from "node:path";
import { buffer } from "node:stream/consumers";
import pLimit from "p-limit";
import type { ObjectStorage } from "../storage/object-storage";
import { tenantPrefix } from "../sync/keys";
import { ObjectNotFoundError } from "../storage/object-storage";
import { download } from "../sync/transfer";
import type { StagedBundle } from "./stage-bundle";

/**
 * Deploys in object storage, beside the instance's snapshots:
 *   tenants/<id>/deploys/<deployId>.json   the manifest (every file's path, size, sha256, mode)
 *   tenants/<id>/deploy-blobs/<sha256>     file contents, shared by every deploy that has them
 * Snapshot pruning never looks here; deleting the instance deletes the whole `tenants/<id>/`.
 */
export type DeployFile = { path: string; size: number; sha256: string; mode: number };
export type DeployManifest = { format: 1; instanceId: string; deployId: string; sizeBytes: number; files: DeployFile[] };

const DEPLOY_ID = /^dep_[A-Za-z0-9_-]{8,64}$/;
const SHA256 = /^[0-9a-f]{64}$/;
const CONCURRENCY = 8;

export function isDeployId(id: string): boolean {
  return DEPLOY_ID.test(id);
}

function manifestKey(instanceId: string, deployId: string): string {
  if (!isDeployId(deployId)) throw new Error(`Invalid deploy id for storage keys: ${JSON.stringify(deployId)}`);
  return `${tenantPrefix(instanceId)}deploys/${deployId}.json`;
}

function blobKey(instanceId: string, sha256: string): string {
  if (!SHA256.test(sha256)) throw new Error(`Invalid sha256 for a deploy blob key: ${JSON.stringify(sha256)}`);
  return `${tenantPrefix(instanceId)}deploy-blobs/${sha256}`;
}

/** Uploads a staged bundle's new blobs, then its manifest (last: a manifest means the deploy is complete). */
export async function storeDeploy(storage: ObjectStorage, instanceId: string, deployId: string, bundle: StagedBundle): Promise<DeployManifest> {
  const limit = pLimit(CONCURRENCY);
  const seen = new Set<string>();
  await Promise.all(
    bundle.files.map((file) =>
      limit(async () => {
        const key = blobKey(instanceId, file.sha256);
        if (seen.has(file.sha256)) return;
        seen.add(file.sha256);
        if (await storage.exists(key)) return;
        await storage.put(key, fs.createReadStream(file.staged), { contentLength: file.size, contentType: "application/octet-stream" });
      }),
    ),
  );
  const manifest: DeployManifest = {
    format: 1,
    instanceId,
    deployId,
    sizeBytes: bundle.sizeBytes,
    files: bundle.files.map(({ path: p, size, sha256, mode }) => ({ path: p, size, sha256, mode })),
  };
  await storage.put(manifestKey(instanceId, deployId), Buffer.from(JSON.stringify(manifest)), { contentType: "application/json" });
  return manifest;
}

export async function readDeployManifest(storage: ObjectStorage, instanceId: string, deployId: string): Promise<DeployManifest> {
  const manifest = JSON.parse((await buffer(await storage.get(manifestKey(instanceId, deployId)))).toString("utf8")) as DeployManifest;
  if (manifest.format !== 1 || manifest.deployId !== deployId || manifest.instanceId !== instanceId) {
    throw new Error(`Deploy manifest ${deployId} of ${instanceId} is not a format-1 manifest of that deploy`);
  }
  return manifest;
}

/** The stored bytes of one file of a deploy. */
export function openDeployBlob(storage: ObjectStorage, instanceId: string, file: DeployFile): ReturnType<ObjectStorage["get"]> {
  return storage.get(blobKey(instanceId, file.sha256));
}

/**
 * Downloads every file of `manifest` under `into` (a folder of ours alone), verifying sizes and
 * hashes; `onPath` is called for each file and each folder created, so the caller can give them away.
 */
export async function downloadDeploy(storage: ObjectStorage, manifest: DeployManifest, into: string, onPath: (p: string) => Promise<void>): Promise<void> {
  const limit = pLimit(CONCURRENCY);
  const folders = new Map<string, Promise<void>>();
  const ensureFolder = (dir: string): Promise<void> => {
    let made = folders.get(dir);
    if (!made) {
      const parent = path.dirname(dir);
      made = (parent === into ? Promise.resolve() : ensureFolder(parent)).then(async () => {
        await fs.promises.mkdir(dir).catch((err: NodeJS.ErrnoException) => {
          if (err.code !== "EEXIST") throw err;
        });
        await onPath(dir);
      });
      folders.set(dir, made);
    }
    return made;
  };
  await Promise.all(
    manifest.files.map((file) =>
      limit(async () => {
        const dest = path.join(into, ...file.path.split("/"));
        await ensureFolder(path.dirname(dest));
        const got = await download(storage, blobKey(manifest.instanceId, file.sha256), dest, { mode: file.mode });
        if (got.sha256 !== file.sha256 || got.size !== file.size) {
          throw new Error(
            `Stored deploy file ${file.path} is corrupt: expected ${file.size} bytes sha256 ${file.sha256}, got ${got.size} bytes sha256 ${got.sha256}`,
          );
        }
        await fs.promises.chmod(dest, file.mode); // the creation mode was reduced by the umask
        await onPath(dest);
      }),
    ),
  );
}

/**
 * Deletes the manifest of every stored deploy not in `keep`, then every blob that no kept
 * manifest uses. Run it in the instance's upload slot (never while a deploy of it is stored).
 */
export async function pruneDeploys(storage: ObjectStorage, instanceId: string, keep: ReadonlySet<string>): Promise<{ manifests: number; blobs: number }> {
  const manifests = `${tenantPrefix(instanceId)}deploys/`;
  let droppedManifests = 0;
  for await (const object of storage.list(manifests)) {
    const deployId = object.key.slice(manifests.length).replace(/\.json$/, "");
    if (!keep.has(deployId)) droppedManifests += await storage.deletePrefix(object.key);
  }
  const used = new Set<string>();
  for (const deployId of keep) {
    try {
      for (const file of (await readDeployManifest(storage, instanceId, deployId)).files) used.add(file.sha256);
    } catch (err) {
      if (!(err instanceof ObjectNotFoundError)) throw err;
    }
  }
  const blobs = `${tenantPrefix(instanceId)}deploy-blobs/`;
  let droppedBlobs = 0;
  for await (const object of storage.list(blobs)) {
    if (!used.has(object.key.slice(blobs.length))) droppedBlobs += await storage.deletePrefix(object.key);
  }
  return { manifests: droppedManifests, blobs: droppedBlobs };
}
