import type { Instance } from "../../lib/db/schema";
import type { BackupsOverview, ReplicationStatus } from "../../lib/backups-json";
import type { Replication } from "../replication/replication";
import type { InstanceController } from "../instances/controller";
import type { InstanceStore } from "../instances/instance-store";
import type { Lifecycle } from "../instances/lifecycle";
import { randomBytes } from "node:crypto";
import fs from "node:fs/promises";
import type { Readable } from "node:stream";
import pLimit from "p-limit";
import { installCode } from "../deploys/install-code";
import { replicaSource } from "../instances/tenant-data";
import type { Logger } from "../logger";
import type { ObjectStorage } from "../storage/object-storage";
import type { Sync } from "../sync/create-sync";
import { removeTenantTree } from "../sync/remove-tree";
import { tenantPaths } from "../tenant/paths";
import { streamPocketbaseArchive } from "./archive";
import path from "node:path";
import { PassThrough } from "node:stream";
import { finished } from "node:stream/promises";
import { UnsupportedMediaTypeError } from "../../lib/errors";
import { type BundleLimits, bundleTooLarge, InvalidBundleError } from "../deploys/bundle-rules";
import { type BundleEntry, bundleEntries, bundleFormatOf } from "../deploys/read-bundle";
import { integrityProblemsAs } from "../sync/sqlite-snapshot";
import { drain } from "../tools/drain";
import { extractImport, InvalidImportError } from "./import-archive";
import { importSchema } from "../../lib/validations/backups";
import { parseInput } from "../api/parse";

/** An uploaded import as the internal API passes it on. */
export type ImportUpload = { body: Readable; contentType: string | undefined; contentLength: number | undefined };

/**
 * Downloads and imports in flight at once on this node: each holds a copy of an instance on the
 * host's disk (a download's scratch copy until its stream ends, an import's spooled upload).
 */
const EXPORTS_AT_ONCE = 2;
const IMPORTS_AT_ONCE = 2;
/** A download still being read after this long is cut off, so a stalled client cannot hold a slot and its copy. */
const DOWNLOAD_MAX_MS = 30 * 60_000;

/** Backups of one instance: what can be restored, restore in place, clone into a new instance, download. */
export function createBackups(deps: {
  store: InstanceStore;
  lifecycle: Lifecycle;
  controller: InstanceController;
  replication: Replication | undefined;
  restoreWindowMs: number;
  sync: Sync;
  storage: ObjectStorage;
  log: Logger;
  /** Scratch space of ours (never a tenant's volume) for the copies downloads are built from, and spooled imports. */
  workDir: string;
  /** An import's upload and unpacked size (at most the disk quota), and its files. */
  importLimits: BundleLimits;
}) {
  const { store, lifecycle, controller, replication } = deps;
  const exporting = pLimit(EXPORTS_AT_ONCE);
  const importing = pLimit(IMPORTS_AT_ONCE);

  /**
   * The instance's newest stored state as a PocketBase directory (.tar.gz, streamed): a running
   * instance's changed files and last writes are stored first, then everything is restored into a
   * scratch folder (data.db from the replica when newer, pb_public from its live deploy) and
   * archived from there; the scratch copy goes when the stream ends.
   */
  async function buildDownload(id: string): Promise<{ filename: string; stream: Readable }> {
    await lifecycle.snapshot(id);
    await replication?.flush(id).catch((err: unknown) => deps.log.warn({ err, instanceId: id }, "shipping the last writes before a download failed"));
    const instance = await store.get(id);
    await fs.mkdir(deps.workDir, { recursive: true, mode: 0o700 });
    const scratch = tenantPaths(deps.workDir, `export-${randomBytes(6).toString("hex")}`);
    const cleanup = () =>
      removeTenantTree(scratch.root).catch((err: unknown) => deps.log.warn({ err, instanceId: id }, "removing a download's scratch copy failed"));
    try {
      await deps.sync.restore(id, scratch, instance.generation, undefined, await replicaSource(replication, id));
      if (instance.deployId) await installCode(deps, id, scratch, instance.deployId, undefined);
    } catch (err) {
      await cleanup();
      throw err;
    }
    const stamp = new Date().toISOString().replace(/[:.]/g, "-");
    return { filename: `${instance.subdomain}-${stamp}.tar.gz`, stream: streamPocketbaseArchive(scratch.volume, cleanup) };
  }

  return {
    async overview(id: string): Promise<BackupsOverview> {
      await store.get(id); // 404 for an unknown instance
      const status: ReplicationStatus = replication ? await replication.status(id) : { state: "off" };
      const storeDown = status.state === "replicating" && status.error !== null;
      const [window, snapshots] = await Promise.all([
        // With the store unreachable the window is unknown (the status says why); listing it would only wait.
        replication && !storeDown ? replication.window(id).catch(() => null) : null,
        store.listSnapshots(id),
      ]);
      return {
        replication: status,
        window,
        restoreWindowDays: Math.round(deps.restoreWindowMs / 86_400_000),
        snapshots: snapshots.map((s) => ({ generation: s.generation, createdAt: s.createdAt.toISOString(), sizeBytes: s.sizeBytes, reason: s.reason })),
      };
    },

    /** Restores in place; resolves when done (the instance runs again if it was meant to). */
    async restore(id: string, at: Date): Promise<{ instance: Instance; safetyGeneration: number }> {
      await store.get(id);
      const { safetyGeneration } = await lifecycle.restoreTo(id, at);
      return { instance: await store.get(id), safetyGeneration };
    },

    /** Creates an instance of the same owner holding the source's state at `at`; removed again if that fails. */
    async clone(sourceId: string, input: { name: string; subdomain: string; at: Date }, quota?: number): Promise<Instance> {
      const source = await store.get(sourceId);
      const clone = await controller.create(source.ownerId, { name: input.name, subdomain: input.subdomain }, quota);
      try {
        await controller.adopt(clone.id, () => lifecycle.cloneInto(sourceId, clone.id, input.at));
      } catch (err) {
        await controller.remove(clone.id); // all or nothing: no half-filled clone
        throw err;
      }
      return store.get(clone.id);
    },

    /** The instance as a streamed .tar.gz (buildDownload); at most EXPORTS_AT_ONCE per node, each cut off after DOWNLOAD_MAX_MS. */
    download(id: string): Promise<{ filename: string; stream: Readable }> {
      // The slot is held until the archive's stream has ended (or was cut off), not just built.
      return new Promise((resolve, reject) => {
        void exporting(async () => {
          let built: { filename: string; stream: Readable };
          try {
            built = await buildDownload(id);
          } catch (err) {
            return reject(err);
          }
          const timer = setTimeout(() => built.stream.destroy(new Error("The download took too long and was cut off.")), DOWNLOAD_MAX_MS);
          resolve(built);
          await finished(built.stream).catch(() => undefined);
          clearTimeout(timer);
        });
      });
    },

    /**
     * Creates an instance from an existing PocketBase's backup zip (its admin UI's, or a zipped
     * pb_data): the upload is spooled and opened first (413/415/422 before anything is created),
     * then the instance is created, filled (entries checked, databases integrity-checked as the
     * tenant) and started; if any of that fails the instance is removed again.
     */
    async importArchive(ownerId: string, query: Record<string, string | undefined>, upload: ImportUpload, quota?: number): Promise<Instance> {
      return importing(() => importOne(ownerId, query, upload, quota));
    },
  };

  async function importOne(ownerId: string, query: Record<string, string | undefined>, upload: ImportUpload, quota?: number): Promise<Instance> {
    const limits = deps.importLimits;
    const body = new PassThrough();
    upload.body.pipe(body);
    await fs.mkdir(deps.workDir, { recursive: true, mode: 0o700 });
    const spool = await fs.mkdtemp(path.join(deps.workDir, "import-"));
    let entries: AsyncGenerator<BundleEntry> | undefined;
    try {
      const input = parseInput(importSchema, { name: query.name, subdomain: query.subdomain });
      if (quota !== undefined) await store.assertBelowQuota(ownerId, quota); // before spooling anything
      if (bundleFormatOf(upload.contentType) !== "zip")
        throw new UnsupportedMediaTypeError("An import is a .zip (application/zip): a PocketBase backup or a zipped pb_data folder.");
      if (upload.contentLength !== undefined && upload.contentLength > limits.maxBytes) throw bundleTooLarge(limits);
      entries = bundleEntries("zip", body, limits, spool);
      const first = await entries.next(); // the whole upload is spooled and its directory read here
      const opened = entries;
      const rest = (async function* () {
        if (!first.done) yield first.value;
        yield* { [Symbol.asyncIterator]: () => opened };
      })();
      const instance = await controller.create(ownerId, input, quota);
      try {
        const fill = () =>
          lifecycle.importInto(instance.id, "Created from an imported PocketBase backup.", async (pbData, owner) => {
            const extracted = await extractImport(rest, pbData, limits);
            // As the tenant (in its sandbox): SQLite reading a hostile file must not run with our rights.
            const as = owner ?? { uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0 };
            for (const name of extracted.databases) {
              const problems = await integrityProblemsAs(as, path.join(pbData, name));
              if (problems) throw new InvalidImportError(`${name} failed SQLite's integrity check: ${problems}`);
            }
            deps.log.info({ instanceId: instance.id, files: extracted.files, bytes: extracted.bytes, skipped: extracted.skipped }, "import extracted");
          });
        await controller.adopt(instance.id, fill);
      } catch (err) {
        await controller.remove(instance.id); // all or nothing
        throw err;
      }
      return store.get(instance.id);
    } catch (err) {
      upload.body.unpipe(body);
      await drain(upload.body, limits.maxBytes);
      throw err instanceof InvalidBundleError ? new InvalidImportError(err.message) : err; // the zip itself is broken
    } finally {
      await entries?.return(undefined); // closes the zip if the import stopped before its end
      await fs.rm(spool, { recursive: true, force: true });
    }
  }
}

export type Backups = ReturnType<typeof createBackups>;
