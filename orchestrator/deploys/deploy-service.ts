import fs from "node:fs/promises";
import path from "node:path";
import { PassThrough, type Readable } from "node:stream";
import type { Deploy } from "../../lib/db/schema";
import { ConflictError, NotFoundError, PayloadTooLargeError, PreconditionFailedError } from "../../lib/errors";
import type { InstanceStore } from "../instances/instance-store";
import type { Lifecycle } from "../instances/lifecycle";
import type { Logger } from "../logger";
import { drain } from "../tools/drain";
import type { ObjectStorage } from "../storage/object-storage";
import { type BundleLimits, bundleTooLarge } from "./bundle-rules";
import type { DeployRecords } from "./deploy-records";
import { newDeployId } from "./deploy-records";
import { type DeployFile, openDeployBlob, pruneDeploys, readDeployManifest, storeDeploy } from "./deploy-store";
import { ObjectNotFoundError } from "../storage/object-storage";
import { type BundleEntry, bundleEntries, bundleFormatOf } from "./read-bundle";
import { stageBundle } from "./stage-bundle";
import { templateEntries } from "./templates";

/** Who made a deploy, as the history shows it. */
export type DeployAuthor = { label: string; userId: string | null };

/** An uploaded bundle: its bytes and what the request said about them. */
export type BundleUpload = { body: Readable; contentType: string | undefined; contentLength: number | undefined };

export type DeployServiceDeps = {
  config: {
    limits: BundleLimits;
    workDir: string;
    allowUnsandboxed: boolean;
    sandboxed: boolean;
    /** Deploys per instance whose files are kept. */ kept: number;
  };
  log: Logger;
  storage: ObjectStorage;
  records: DeployRecords;
  store: InstanceStore;
  lifecycle: Pick<Lifecycle, "restart">;
};

/** Largest file the file view returns. */
const MAX_VIEWED_FILE_BYTES = 1024 * 1024;

/**
 * Deploys as callers see them: a bundle is checked and staged in full before anything is stored,
 * stored in object storage, recorded, and then applied by restarting the instance if it should be
 * running (or at its next start). One deploy at a time per instance.
 */
export function createDeployService(deps: DeployServiceDeps) {
  const { config, log, storage, records, store, lifecycle } = deps;
  const receiving = new Set<string>();

  const busy = () => new ConflictError("Another deploy of this instance is in progress. Wait for it to finish, then try again.");

  async function assertIdle(instanceId: string): Promise<void> {
    if (receiving.has(instanceId) || (await records.withStatus(instanceId, "deploying")).length > 0) throw busy();
  }

  /**
   * Takes the instance's one upload slot (409 while another upload or a deploy is in progress). It
   * is taken before anything is awaited, so uploads sent together cannot all pass the check; the
   * caller releases it.
   */
  async function claimUpload(instanceId: string): Promise<void> {
    if (receiving.has(instanceId)) throw busy();
    receiving.add(instanceId);
    try {
      if ((await records.withStatus(instanceId, "deploying")).length > 0) throw busy();
    } catch (err) {
      receiving.delete(instanceId);
      throw err;
    }
  }

  /** Makes `deployId` the one the instance should run, and switches to it now if the instance should be running. */
  async function schedule(instanceId: string, deployId: string): Promise<void> {
    for (const pending of await records.withStatus(instanceId, "pending")) {
      if (pending.id !== deployId) await records.setStatus(pending.id, "superseded", "Replaced before it went live.");
    }
    await records.setStatus(deployId, "pending");
    const instance = await store.update(instanceId, { deployId });
    if (instance.desiredState === "running") {
      lifecycle.restart(instanceId).catch((err: unknown) => log.warn({ err, instanceId, deployId }, "restart for a deploy failed"));
    }
  }

  /**
   * Keeps the files of the newest `config.kept` deploys (and of any live, pending or deploying
   * one), so one instance's deploys hold at most about kept × DEPLOY_MAX_SIZE of storage. Older
   * deploys stay in the history; their files are gone (no file view, no rollback).
   */
  async function prune(instanceId: string): Promise<void> {
    const rows = await records.list(instanceId, Number.MAX_SAFE_INTEGER);
    const keep = new Set(rows.filter((d, i) => i < config.kept || ["live", "pending", "deploying"].includes(d.status)).map((d) => d.id));
    try {
      const dropped = await pruneDeploys(storage, instanceId, keep);
      if (dropped.manifests > 0) log.info({ instanceId, ...dropped }, "files of old deploys deleted");
    } catch (err) {
      log.warn({ err, instanceId }, "pruning old deploys failed; tried again after the next deploy");
    }
  }

  /** The deploy's manifest; 404 saying so once its files are no longer kept. */
  async function manifestOf(deploy: Deploy) {
    try {
      return await readDeployManifest(storage, deploy.instanceId, deploy.id);
    } catch (err) {
      if (err instanceof ObjectNotFoundError) {
        throw new NotFoundError(`The files of deploy #${deploy.number} are no longer kept (only the newest ${config.kept} deploys keep theirs).`);
      }
      throw err;
    }
  }

  async function ingest(instanceId: string, entries: (workDir: string) => AsyncIterable<BundleEntry>, author: DeployAuthor): Promise<Deploy> {
    await claimUpload(instanceId);
    let workDir: string | undefined;
    try {
      await fs.mkdir(config.workDir, { recursive: true, mode: 0o700 });
      workDir = await fs.mkdtemp(path.join(config.workDir, `${instanceId}-`));
      const bundle = await stageBundle(entries(workDir), workDir, config.limits);
      const id = newDeployId();
      await storeDeploy(storage, instanceId, id, bundle);
      const deploy = await records.insert({
        id,
        instanceId,
        status: "pending",
        author: author.label,
        authorId: author.userId,
        sizeBytes: bundle.sizeBytes,
        fileCount: bundle.files.length,
      });
      log.info({ instanceId, deployId: id, number: deploy.number, files: bundle.files.length, bytes: bundle.sizeBytes }, "deploy stored");
      await schedule(instanceId, id);
      await prune(instanceId);
      return records.get(instanceId, id);
    } finally {
      receiving.delete(instanceId);
      if (workDir) await fs.rm(workDir, { recursive: true, force: true });
    }
  }

  return {
    /** Checks, stores and schedules an uploaded bundle (tar.gz or zip). */
    async create(instanceId: string, upload: BundleUpload, author: DeployAuthor): Promise<Deploy> {
      await store.get(instanceId);
      if (!config.sandboxed && !config.allowUnsandboxed) {
        throw new PreconditionFailedError(
          "Deploys are turned off: this platform runs tenants without a sandbox, so their code would run unconfined. The operator can run the orchestrator as root, or set ALLOW_UNSANDBOXED_DEPLOYS=1 to accept that.",
          "sandbox_required",
        );
      }
      const format = bundleFormatOf(upload.contentType);
      if (upload.contentLength !== undefined && upload.contentLength > config.limits.maxBytes) throw bundleTooLarge(config.limits);
      // The request itself is never destroyed by a refusal: what is left of it is read (up to the
      // limit) before answering, so the caller, still sending, gets the answer rather than a reset.
      const body = new PassThrough();
      upload.body.pipe(body);
      try {
        return await ingest(instanceId, (workDir) => bundleEntries(format, body, config.limits, workDir), author);
      } catch (err) {
        upload.body.unpipe(body);
        await drain(upload.body, config.limits.maxBytes);
        throw err;
      }
    },

    /** Makes a template the instance's first deploy (pending until it starts). */
    fromTemplate(instanceId: string, templateId: string): Promise<Deploy> {
      return ingest(instanceId, () => templateEntries(templateId), { label: `template “${templateId}”`, userId: null });
    },

    list: (instanceId: string) => records.list(instanceId),

    async get(instanceId: string, deployId: string): Promise<{ deploy: Deploy; files: DeployFile[] }> {
      const deploy = await records.get(instanceId, deployId);
      return { deploy, files: (await manifestOf(deploy)).files };
    },

    /** One file of a deploy, for the read-only file view (413 past MAX_VIEWED_FILE_BYTES). */
    async file(instanceId: string, deployId: string, filePath: string): Promise<{ file: DeployFile; body: Readable }> {
      const manifest = await manifestOf(await records.get(instanceId, deployId));
      const file = manifest.files.find((f) => f.path === filePath);
      if (!file) throw new NotFoundError(`Deploy has no file ${JSON.stringify(filePath)}.`);
      if (file.size > MAX_VIEWED_FILE_BYTES) {
        throw new PayloadTooLargeError(MAX_VIEWED_FILE_BYTES);
      }
      return { file, body: await openDeployBlob(storage, instanceId, file) };
    },

    /** Makes an earlier, replaced deploy (superseded or rolled back) the one the instance runs again. */
    async rollback(instanceId: string, deployId: string): Promise<Deploy> {
      const target = await records.get(instanceId, deployId);
      if (target.status === "live") throw new ConflictError(`Deploy #${target.number} is already live.`);
      if (target.status !== "superseded" && target.status !== "rolled_back") {
        throw new ConflictError(`Deploy #${target.number} is ${target.status}; only an earlier deploy that a later one replaced can be rolled back to.`);
      }
      await manifestOf(target);
      await assertIdle(instanceId);
      log.info({ instanceId, deployId, number: target.number }, "rollback requested");
      await schedule(instanceId, deployId);
      return records.get(instanceId, deployId);
    },
  };
}

export type DeployService = ReturnType<typeof createDeployService>;
