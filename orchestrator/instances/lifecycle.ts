import fs from "node:fs/promises";
import { decryptSecret } from "../../lib/crypto/secret-box";
import type { Instance } from "../../lib/db/schema";
import { ConflictError, UnavailableError } from "../../lib/errors";
import { instanceUrl, type PublicUrlSettings } from "../../lib/instance-url";
import type { Logger } from "../logger";
import type { TenantLimits } from "../sandbox/cgroups";
import type { Sandbox } from "../sandbox/create-sandbox";
import { removeTenantTree } from "../sync/remove-tree";
import type { FileOwner, TenantCommand } from "../sync/tenant-file";
import { replaceTenantData } from "../sync/replace-data";
import type { Supervisor, SupervisorEvent, TenantIdentity, TenantProcess } from "../supervisor/create-supervisor";
import type { Sync } from "../sync/create-sync";
import { tenantPaths } from "../tenant/paths";
import type { InstanceStore } from "./instance-store";
import { createKeyedQueue } from "../../lib/keyed-queue";
import { phaseClock } from "../tools/phase-clock";
import { createSingleFlight } from "../../lib/single-flight";
import pLimit from "p-limit";
import type { PocketbaseAdmin } from "./pocketbase-admin";
import type { TenantDisk } from "./tenant-disk";
import type { TenantSecrets } from "./tenant-secrets";
import {
  type DataSource,
  forgetLocalCopy,
  LeaseLostError,
  markProvisioned,
  prepareTenantData,
  restorePointOf,
  type UploadDeps,
  uploadIfChanged,
} from "./tenant-data";
import type { TenantCode } from "../deploys/tenant-code";
import { writeSyncState } from "../sync/create-sync";
import type { TenantPaths } from "../tenant/paths";
import type { Replication } from "../replication/replication";
import { LeaseHeldError, type Cluster } from "../cluster/cluster";

export type LifecycleDeps = {
  config: {
    tenantsDir: string;
    encryptionKey: string;
    publicUrl: PublicUrlSettings;
    /** First uid for tenants when they run under their own uid; null: they run as we do. */
    tenantUidBase: number | null;
    /** How far back restores reach: snapshot generations are kept that long (thinned to one an hour). */
    restoreWindowMs: number;
    /** Platform defaults of the per-tenant limits; an instance's `resourceLimits` override them. */
    tenantLimits: TenantLimits & { diskQuotaBytes: number };
    /** Starts (restore, provisioning, launch) running at once; more wait their turn in arrival order. */
    startConcurrency: number;
  };
  log: Logger;
  store: InstanceStore;
  supervisor: Supervisor;
  sync: Sync;
  admin: PocketbaseAdmin;
  /** Each tenant's volume (mounted before its files are restored or started). */
  disk: TenantDisk;
  /** The tenant sandbox, when tenants run in one: snapshots run SQLite inside it. */
  sandbox?: Sandbox | undefined;
  /** Deploys: which code a start installs, and how a switch went. */
  code?: TenantCode | undefined;
  /** The instance's secrets as environment variables, read at each start (instances/tenant-secrets.ts). */
  secrets?: TenantSecrets | undefined;
  /** Continuous replication of data.db (Litestream), when the node runs it. */
  replication?: Replication | undefined;
  /** The lineage this node replicates the tenant to, and its newest transaction in the store (0: none), whether or not replication runs now. */
  replicaPosition: (instanceId: string) => Promise<{ lineage: number; txid: number }>;
  /**
   * The instance's lease (cluster/cluster.ts): taken before this node works on an instance's data
   * or runs it, released once it stopped here with its data stored.
   */
  leases: Pick<Cluster, "acquire" | "release" | "holds" | "leaseValid" | "fenceOf" | "lineageOf" | "settleLineage">;
  /** Called when an instance starts or stops, so idle tracking can begin or end. */
  onLive?: (instanceId: string, live: boolean) => void;
  /** The URL PocketBase should call itself (a primary custom domain); default: the instance's own URL. */
  appUrlOf?: (instance: Instance) => Promise<string>;
};

/** The two ways a start runs PocketBase: the one-off superuser provisioning, and the server itself. */
type StartSteps = { provision: () => Promise<void>; launch: () => Promise<TenantProcess> };

/** A new replica lineage is settled (restores read it, the previous one goes) with this many tries, this far apart. */
const SETTLE_ATTEMPTS = 20;
const SETTLE_RETRY_MS = 15_000;

/** The final Litestream sync of a tenant whose lease was lost: at most this long (Litestream's minimum). */
const FENCED_FINAL_SYNC_SECONDS = 1;

const errorMessage = (err: unknown) => (err instanceof Error ? err.message : String(err));

/** A start given up because the orchestrator is shutting down: the instance stays `starting`, which the next run resumes. */
class ShuttingDownError extends Error {
  constructor() {
    super("the orchestrator is shutting down");
  }
}

/** Final uploads a shutdown runs at once: each is CPU (a sandboxed SQLite copy, compression) and round trips to the store. */
const STOPS_AT_ONCE = 4;

/**
 * Starts, stops, snapshots and deletes tenants. One operation at a time per instance; concurrent
 * starts share one promise. At most `startConcurrency` starts do their work at once, in arrival
 * order, and one owner's starts take turns (so one owner, whose hooks may keep a start waiting
 * for its whole timeout, holds at most one slot). Status changes go through status-machine.ts;
 * desired state is not touched here (the controller sets it). Which processes run is the
 * supervisor's to know: this keeps no second list.
 */
export function createLifecycle(deps: LifecycleDeps) {
  const { config, log, store, supervisor, sync, admin, disk, leases } = deps;
  const starts = createSingleFlight<TenantProcess>();
  const startSlots = pLimit(config.startConcurrency);
  const ownerTurns = createKeyedQueue();
  const queue = createKeyedQueue();
  /** Instances inside doStart (from any caller: start, restart, restore, clone, import). */
  const starting = new Set<string>();
  /** Wakes waiting for a starting instance to serve (see startServing); each leaves when served or when its start settles. */
  const servingWaiters = new Map<string, Set<(proc: TenantProcess) => void>>();
  const served = (id: string, proc: TenantProcess) => {
    const waiters = servingWaiters.get(id);
    servingWaiters.delete(id);
    for (const resolve of waiters ?? []) resolve(proc);
  };
  let closing = false;
  /** The instance's process once it serves (a start in flight is live once PocketBase is up, before its record). */
  const liveProcess = (id: string) => (starting.has(id) || !leases.holds(id) ? undefined : supervisor.get(id));
  const pathsOf = (id: string) => tenantPaths(config.tenantsDir, id);
  const uploadDeps: UploadDeps = {
    sync,
    store,
    log,
    replication: deps.replication,
    replicaPosition: deps.replicaPosition,
    restoreWindowMs: config.restoreWindowMs,
    collectedAt: new Map(),
    fenceOf: (id) => leases.fenceOf(id),
    leaseValid: (id) => leases.leaseValid(id),
  };
  /** The tenant's own uid (allocated on first use); `known` is the uid on an instance row in hand, saving a read. */
  const identityOf = async (id: string, known?: number | null): Promise<TenantIdentity | undefined> => {
    if (config.tenantUidBase === null) return undefined;
    const uid = known ?? (await store.ensureTenantUid(id, config.tenantUidBase));
    return { uid, gid: uid };
  };

  /** Who owns the tenant's files, for sync: with a sandbox, its one-off commands (SQLite) run inside it. */
  const ownerOf = async (id: string): Promise<FileOwner | undefined> => {
    const identity = await identityOf(id);
    const { sandbox } = deps;
    if (!identity || !sandbox) return identity;
    const sandboxed: TenantCommand = async (argv, binds) => {
      const { diskQuotaBytes: _disk, ...limits } = limitsOf(await store.get(id));
      return (await sandbox.prepare(id, pathsOf(id), identity, limits)).command(argv, "none", binds);
    };
    return { ...identity, sandboxed };
  };

  /** The platform's limits with the instance's own overrides on top. */
  const limitsOf = (instance: { resourceLimits: Instance["resourceLimits"] }) => ({ ...config.tenantLimits, ...instance.resourceLimits });

  function superuserOf(instance: { id: string; superuserEmail: string; superuserPasswordEnc: string }, url: string) {
    const password = decryptSecret(instance.superuserPasswordEnc, config.encryptionKey);
    return { instanceId: instance.id, url, email: instance.superuserEmail, password };
  }

  async function onSupervisorEvent(id: string, e: SupervisorEvent): Promise<void> {
    if (e.type === "crashed") {
      const what = e.outOfMemory ? "PocketBase ran out of memory and was killed" : `PocketBase exited unexpectedly (code ${e.exitCode}, signal ${e.signal})`;
      await store.recordEvent(id, "crashed", `${what}; restarting.`);
    } else if (e.type === "restarted") {
      await store.update(id, { port: e.port });
      await store.recordEvent(id, "restarted", `PocketBase restarted (attempt ${e.attempt}).`);
    } else if (e.type === "failed") {
      deps.onLive?.(id, false);
      await deps.replication?.detach(id);
      const reason = `${e.reason}\n${e.lastLines.slice(-10).join("\n")}`.trim();
      await store.transition(id, "gaveUp", e.reason, { statusReason: reason, port: null });
    }
  }

  /**
   * Takes (or renews) the instance's lease before this node works on its data. When another node
   * ran the instance since this one did, the local copy here is older than the store: forgotten.
   */
  async function takeLease(id: string): Promise<void> {
    const lease = await leases.acquire(id);
    if (!lease.localCopyMayBeNewest) await forgetLocalCopy(pathsOf(id));
  }

  /** Throws when the lease was lost since it was taken (another node may run the instance now). */
  function assertLease(id: string): void {
    if (!leases.leaseValid(id)) throw new LeaseHeldError(id);
  }

  /**
   * The instance's lease was lost (another node may run it by now): stops it here at once, not
   * queued behind anything, writing nothing to its status or the store (its uploads are refused too).
   */
  async function fence(id: string): Promise<void> {
    deps.onLive?.(id, false);
    admin.forget(id);
    // Replication first, with the shortest final sync Litestream allows: what PocketBase writes
    // while it stops stays on this host.
    await deps.replication?.detach(id, FENCED_FINAL_SYNC_SECONDS);
    await supervisor.get(id)?.stop();
  }

  async function doStart(id: string): Promise<TenantProcess> {
    const t0 = Date.now();
    await takeLease(id); // renews a lease held here; throws when another node runs the instance
    const existing = supervisor.get(id);
    if (existing) return existing;
    const instance = await store.transition(id, "start", "Starting.", { statusReason: null });
    starting.add(id);
    try {
      return await ownerTurns.run(instance.ownerId, () =>
        startSlots(() => {
          if (closing) throw new ShuttingDownError(); // queued behind a shutdown: left `starting` for the next run
          return startNow(instance, t0);
        }),
      );
    } catch (err) {
      starting.add(id); // not live while it is stopped (it may have served already: see startNow)
      await supervisor.get(id)?.stop();
      if (err instanceof ShuttingDownError) throw new UnavailableError("The platform is restarting. Try again shortly.", 5, err);
      // The lease went to another node during the start: its status is that node's to write now.
      if (!leases.leaseValid(id)) throw new LeaseHeldError(id);
      log.warn({ err, instanceId: id }, "start failed");
      await store.transition(id, "startFailed", `Start failed: ${errorMessage(err)}`, { statusReason: errorMessage(err), port: null });
      throw new UnavailableError(`Instance could not start: ${errorMessage(err)}`, 5, err);
    } finally {
      starting.delete(id);
    }
  }

  /** Frees what the instance holds on this host (sandbox, volume) and deletes its folder. */
  async function removeLocalCopy(id: string): Promise<void> {
    await supervisor.release(id);
    await disk.release(id);
    await removeTenantTree(pathsOf(id).root); // it may still hold tenant-written files: never follow their links
  }

  /** The work of a start, in one of the start slots: data in place, PocketBase launched and set up. */
  async function startNow(instance: Instance, t0: number): Promise<TenantProcess> {
    const id = instance.id;
    const clock = phaseClock();
    const paths = pathsOf(id);
    const { diskQuotaBytes, ...limits } = limitsOf(instance);
    await disk.ensure(id, diskQuotaBytes);
    clock.mark("volume");
    const identity = await identityOf(id, instance.tenantUid);
    const source = await prepareTenantData(sync, instance, paths, identity, deps.replication);
    assertLease(id);
    clock.mark("data");
    const secrets = await deps.secrets?.(id);
    const steps: StartSteps = {
      provision: () => supervisor.ensureSuperuser(id, paths, instance.superuserEmail, superuserOf(instance, "").password, identity, limits),
      launch: () =>
        supervisor.launch(
          id,
          paths,
          (e) => {
            onSupervisorEvent(id, e).catch((err) => log.error({ err, instanceId: id }, "recording supervisor event failed"));
          },
          identity,
          limits,
          secrets,
        ),
    };
    if (source === "new") await steps.provision();
    log.debug({ instanceId: id, source, generation: instance.generation }, "tenant data ready");
    clock.mark("provision");
    const proc = await launchWithCode(instance, paths, source, identity, steps);
    clock.mark("launch");
    assertLease(id); // lost meanwhile (the node was cut off): stopped below, not attached or recorded
    attachReplication(id, paths);
    if (source === "new") {
      // Settings live in data.db, so every later start (local or restored) already has them…
      await applySettings(instance, proc);
      await markProvisioned(paths);
    } else if ((await appUrlOf(instance)) !== instance.appUrl) {
      await applySettings(instance, proc); // …unless the app URL changed meanwhile (a custom domain)
    }
    // Supervision may have given up while the settings were applied (its "failed" was refused: still starting).
    if (supervisor.get(id) !== proc) throw new Error("PocketBase exited while it was being set up");
    assertLease(id);
    clock.mark("settings");
    log.debug({ instanceId: id, source, phasesMs: clock.phases }, "tenant start phases");
    deps.onLive?.(id, true);
    starting.delete(id); // live from here: requests go straight to it…
    served(id, proc); // …and the ones that woke it go before its status is recorded
    const data = source === "restored" ? `restored generation ${instance.generation}` : source;
    await store.transition(id, "started", `Running (${data} data, ${Date.now() - t0} ms).`, {
      port: proc.port,
      lastStartedAt: new Date(),
      statusReason: null,
    });
    return proc;
  }

  /**
   * Starts replicating the running tenant's data.db, without holding up the start (a wake). A
   * failure is recorded, not fatal: the tenant's scheduled snapshots then copy the database, as
   * they do without replication.
   */
  function attachReplication(id: string, paths: TenantPaths): void {
    const { replication } = deps;
    const lineages = leases.lineageOf(id);
    if (!replication || !lineages) return; // no lease (lost a moment ago): the start is being undone
    replication
      .attach(id, paths, lineages.lineage)
      .then(
        () => (lineages.lineage === lineages.previousLineage ? undefined : settleLineage(id, lineages.previousLineage)),
        async (err: unknown) => {
          await replication.detach(id);
          log.error({ err, instanceId: id }, "replication could not start");
          await store.recordEvent(id, "replication_failed", `Continuous replication could not start: ${errorMessage(err)}. Snapshots continue.`);
        },
      )
      .catch((err: unknown) => log.error({ err, instanceId: id }, "recording a replication failure failed"));
  }

  /**
   * This node took the tenant over and replicates it to a new lineage: once Litestream has synced
   * it, restores read it, and the lineage before (the one the start restored from) is deleted.
   * Until then restores read the one before; a failure here only leaves it in the store.
   */
  async function settleLineage(id: string, previousLineage: number): Promise<void> {
    const { replication } = deps;
    if (!replication) return;
    // Only once this holding recorded it: a lease lost meanwhile leaves both lineages for the next holder.
    const settled = await retried(id, "settling the new replica lineage", async () => {
      await replication.flush(id);
      return leases.settleLineage(id);
    });
    if (settled) await retried(id, "deleting the previous replica lineage", () => replication.dropLineage(id, previousLineage).then(() => true));
  }

  /** Runs `step` until it succeeds, up to SETTLE_ATTEMPTS times SETTLE_RETRY_MS apart while the lease holds; false when it never did. */
  async function retried(id: string, what: string, step: () => Promise<boolean>): Promise<boolean> {
    for (let attempt = 1; attempt <= SETTLE_ATTEMPTS && leases.leaseValid(id); attempt++) {
      try {
        return await step();
      } catch (err) {
        log.warn({ err, instanceId: id, attempt }, `${what} failed; retrying`);
        await new Promise((resolve) => setTimeout(resolve, SETTLE_RETRY_MS).unref());
      }
    }
    return false;
  }

  /**
   * Launches PocketBase with the code the instance should run. Switching to another deploy first
   * keeps the data from just before it (a stored snapshot generation, or "fresh" for a tenant that
   * was only just provisioned); if the new code does not become healthy (a migration failed, a
   * hook broke the start), that data and the previous deploy come back and start instead.
   */
  async function launchWithCode(
    instance: Instance,
    paths: TenantPaths,
    source: DataSource,
    identity: TenantIdentity | undefined,
    steps: StartSteps,
  ): Promise<TenantProcess> {
    const { code } = deps;
    const plan = code ? await code.plan(instance, paths) : null;
    if (!code || !plan) return steps.launch();
    const id = instance.id;
    if (plan.kind === "reinstall") {
      await code.install(id, paths, plan.deployId, identity);
      return steps.launch();
    }
    await code.begin(id, plan);
    let checkpoint: number | "fresh";
    try {
      checkpoint = source === "new" ? "fresh" : await checkpointData(id, paths);
      await code.install(id, paths, plan.target.id, identity);
    } catch (err) {
      log.warn({ err, instanceId: id, deployId: plan.target.id }, "deploy could not be prepared");
      await code.failed(id, plan, `The deploy could not be prepared: ${errorMessage(err)}`);
      return steps.launch();
    }
    try {
      const proc = await steps.launch();
      await code.succeeded(id, plan);
      return proc;
    } catch (err) {
      log.warn({ err, instanceId: id, deployId: plan.target.id }, "deploy did not start; rolling back");
      await code.failed(id, plan, errorMessage(err));
      if (checkpoint === "fresh") {
        await removeTenantTree(paths.dataDir);
        await fs.mkdir(paths.dataDir, { mode: 0o700 });
        await steps.provision();
      } else {
        await sync.restore(id, paths, checkpoint, await ownerOf(id));
        await writeSyncState(paths, { generation: checkpoint, fingerprint: await sync.fingerprint(paths) });
      }
      await code.install(id, paths, plan.previous?.id ?? null, identity);
      return steps.launch();
    }
  }

  /** Stores the tenant's data as it is now (it is not running) and returns that generation. */
  async function checkpointData(id: string, paths: TenantPaths): Promise<number> {
    const uploaded = await uploadIfChanged(uploadDeps, id, paths, await ownerOf(id), "before-deploy");
    return uploaded ?? (await store.get(id)).generation;
  }

  /** Stops the process (if any) and uploads what changed; failures leave a visible sync_failed. */
  async function doStop(id: string, why: "stop" | "shutdown" = "stop"): Promise<void> {
    const clock = phaseClock();
    await stopProcess(id);
    clock.mark("process");
    await flush(id, why);
    clock.mark("upload");
    log.debug({ instanceId: id, phasesMs: clock.phases }, "tenant stop phases");
  }

  /** Stops PocketBase (if it runs) and then its replication: the final sync has every write. */
  async function stopProcess(id: string): Promise<void> {
    const proc = supervisor.get(id);
    if (proc && !leases.leaseValid(id)) {
      await fence(id); // a copy whose lease is gone: stopped without a word to the store or the status
      throw new LeaseHeldError(id);
    }
    if (proc) {
      await store.transition(id, "stop", "Stopping.").catch((err: unknown) => {
        // Supervision gave up a moment ago (status failed, handle not yet dropped): stop it all the same.
        if (!(err instanceof ConflictError)) throw err;
      });
      await proc.stop();
      deps.onLive?.(id, false);
      admin.forget(id);
    }
    await deps.replication?.detach(id);
  }

  /**
   * Restore in place: stops the instance, stores its current state (the safety snapshot, reason
   * before-restore), puts back its state as of `at`, and starts it again if it is meant to run.
   * The point is checked before anything stops.
   */
  async function doRestore(id: string, at: Date): Promise<{ safetyGeneration: number }> {
    const point = await restorePointOf(uploadDeps, id, at);
    const paths = pathsOf(id);
    await takeLease(id);
    await stopProcess(id);
    await disk.ensure(id, limitsOf(await store.get(id)).diskQuotaBytes);
    const owner = await ownerOf(id);
    const safetyGeneration = (await uploadIfChanged(uploadDeps, id, paths, owner, "before-restore")) ?? (await store.get(id)).generation;
    await sync.restore(id, paths, point.generation, owner, point.replica);
    // The local copy is now the newest state: the next snapshot stores it as a new generation.
    await writeSyncState(paths, { generation: (await store.get(id)).generation, fingerprint: null });
    await store.transition(id, "restored", `Restored to ${at.toISOString()}; snapshot ${safetyGeneration} keeps the state from before.`, {
      statusReason: null,
      port: null,
    });
    if ((await store.get(id)).desiredState === "running") {
      await doStart(id);
      // Until Litestream has shipped the restored database, a lost host would bring back the state from before.
      await deps.replication
        ?.flush(id)
        .catch((err: unknown) => log.warn({ err, instanceId: id }, "shipping the restored database at once failed; Litestream retries"));
    } else {
      await flush(id, "stop"); // stored at once, so whichever node starts it next starts the restored state
    }
    return { safetyGeneration };
  }

  /** Fills the new instance `cloneId` with `sourceId`'s state as of `at` (the point is checked first). */
  async function doClone(sourceId: string, cloneId: string, at: Date): Promise<void> {
    const point = await restorePointOf(uploadDeps, sourceId, at);
    await adopt(cloneId, "clone", `Created from a copy of another instance as of ${at.toISOString()}.`, (paths, owner) =>
      sync.restore(sourceId, paths, point.generation, owner, point.replica),
    );
  }

  /**
   * Gives a new, never started instance its first data (`fill` puts pb_data, pb_hooks and
   * pb_migrations in place, given to `owner`), then its own platform superuser and settings; stores
   * it at once as its first generation (`reason`), and starts it (PocketBase runs its migrations).
   */
  async function adopt(id: string, reason: "clone" | "import", event: string, fill: (paths: TenantPaths, owner: FileOwner | undefined) => Promise<void>) {
    const instance = await store.get(id);
    const paths = pathsOf(id);
    await takeLease(id);
    const { diskQuotaBytes, ...limits } = limitsOf(instance);
    await disk.ensure(id, diskQuotaBytes);
    const owner = await ownerOf(id);
    await fill(paths, owner);
    await supervisor.ensureSuperuser(id, paths, instance.superuserEmail, superuserOf(instance, "").password, await identityOf(id), limits);
    await markProvisioned(paths);
    await uploadIfChanged(uploadDeps, id, paths, owner, reason);
    await store.recordEvent(id, reason === "clone" ? "cloned" : "imported", event);
    const proc = await doStart(id);
    await applySettings(instance, proc);
  }

  function appUrlOf(instance: Instance): Promise<string> {
    return deps.appUrlOf ? deps.appUrlOf(instance) : Promise.resolve(instanceUrl(instance.subdomain, config.publicUrl));
  }

  /** Writes the platform's settings (name, app URL, trusted proxy) into the running PocketBase and records the app URL. */
  async function applySettings(instance: Instance, proc: Pick<TenantProcess, "url">): Promise<void> {
    const appUrl = await appUrlOf(instance);
    await admin.applyPlatformSettings(superuserOf(instance, proc.url), { appName: instance.name, appUrl });
    await store.update(instance.id, { appUrl });
  }

  async function flush(id: string, why: "stop" | "retry" | "shutdown"): Promise<void> {
    try {
      await takeLease(id);
      // A shutdown leaves the old snapshots' pruning to the next upload: its time goes to storing every tenant.
      const generation = await uploadIfChanged(uploadDeps, id, pathsOf(id), await ownerOf(id), "stop", { prune: why !== "shutdown" });
      const message = generation ? `Stopped; snapshot ${generation} stored.` : "Stopped; no changes to store.";
      await store.transition(id, "stored", message, { statusReason: null, port: null, lastStoppedAt: new Date() });
      // Stored: any node may start it next. A failed upload keeps the lease, and the newest data, here.
      await leases.release(id);
    } catch (err) {
      // Another node runs it (or took it over): what is here is not its data to store, nor its status to write.
      if (err instanceof LeaseHeldError || err instanceof LeaseLostError) throw err;
      log.error({ err, instanceId: id, why }, "upload failed; local data kept");
      const reason = `Upload to object storage failed: ${errorMessage(err)}. Local data is kept and the upload will be retried.`;
      await store.transition(id, "storeFailed", reason, { statusReason: reason, port: null });
    }
  }

  /** Starts the instance (or joins the start in progress); resolves with the live process once its start is recorded. */
  function start(id: string): Promise<TenantProcess> {
    const existing = liveProcess(id);
    return existing ? Promise.resolve(existing) : starts.run(id, () => queue.run(id, () => doStart(id)));
  }

  return {
    /**
     * The instance's app URL may have changed (custom domains): a running instance gets it now, a
     * stopped one at its next start (which compares it with the one recorded).
     */
    async refreshAppUrl(id: string): Promise<void> {
      const proc = liveProcess(id);
      if (proc) await applySettings(await store.get(id), proc);
    },
    start,
    /**
     * A wake: like start, but resolves as soon as the process serves, one control-DB write before
     * its start is recorded (a failure after that is recorded all the same).
     */
    startServing(id: string): Promise<TenantProcess> {
      const existing = liveProcess(id);
      if (existing) return Promise.resolve(existing);
      const work = start(id);
      return new Promise((resolve, reject) => {
        const waiters = servingWaiters.get(id) ?? new Set();
        servingWaiters.set(id, waiters.add(resolve));
        work.then(resolve, reject).finally(() => {
          waiters.delete(resolve);
          if (waiters.size === 0 && servingWaiters.get(id) === waiters) servingWaiters.delete(id);
        });
      });
    },
    /** Stops the instance with a final upload; a no-op when it is already stopped and stored. */
    stop(id: string): Promise<void> {
      return queue.run(id, () => doStop(id));
    },
    /** Stops a running instance (with its upload) and starts it again, e.g. to switch to its new deploy. */
    restart(id: string): Promise<TenantProcess | undefined> {
      return queue.run(id, async () => {
        if (supervisor.get(id)) await doStop(id);
        // Read in the queue: a stop asked for while this waited wins, rather than being undone.
        return (await store.get(id)).desiredState === "running" ? doStart(id) : undefined;
      });
    },
    /** Restores the instance in place to its state as of `at` (see doRestore). */
    restoreTo(id: string, at: Date): Promise<{ safetyGeneration: number }> {
      return queue.run(id, () => doRestore(id, at));
    },
    /** Fills the new instance `cloneId` with `sourceId`'s state as of `at` and starts it. */
    cloneInto(sourceId: string, cloneId: string, at: Date): Promise<void> {
      return queue.run(cloneId, () => doClone(sourceId, cloneId, at));
    },
    /**
     * Fills the new instance `id` with imported data and starts it: `fill` writes pb_data into a
     * fresh folder of ours on the instance's volume (and may refuse it), which then replaces the
     * instance's empty folders.
     */
    importInto(id: string, event: string, fill: (freshPbData: string, owner: FileOwner | undefined) => Promise<void>): Promise<void> {
      return queue.run(id, () => adopt(id, "import", event, (paths, owner) => replaceTenantData(paths, owner, log, (fresh) => fill(fresh, owner))));
    },
    /** Retries a failed upload of a stopped instance. */
    retryUpload(id: string): Promise<void> {
      return queue.run(id, () => (supervisor.get(id) ? Promise.resolve() : flush(id, "retry")));
    },
    /** Periodic snapshot of a running instance when its files changed. */
    snapshot(id: string): Promise<number | null> {
      return queue.run(id, async () => (supervisor.get(id) ? uploadIfChanged(uploadDeps, id, pathsOf(id), await ownerOf(id), "schedule") : null));
    },
    /** Stops the instance without uploading, deletes stored and local data, and the DB row. */
    remove(id: string): Promise<void> {
      return queue.run(id, async () => {
        await supervisor.get(id)?.stop();
        deps.onLive?.(id, false);
        await deps.replication?.detach(id);
        await sync.purge(id);
        await removeLocalCopy(id);
        await store.remove(id);
      });
    },
    /**
     * Deletes this node's copy of an instance that does not run or start here, when `superseded`
     * (asked once no other operation on it is under way) says it can never be started from (a
     * drain moved it after its final upload). True when it was deleted.
     */
    dropLocalCopy(id: string, superseded: () => Promise<boolean>): Promise<boolean> {
      return queue.run(id, async () => {
        if (supervisor.get(id) || leases.holds(id) || !(await superseded())) return false;
        await removeLocalCopy(id);
        return true;
      });
    },
    /** The instance's lease was lost: stops it here at once (see fence above). */
    fence,
    /** Whether a start of the instance is in flight (queued for a slot included). */
    isStarting(id: string): boolean {
      return starts.has(id) || starting.has(id);
    },
    /** The live process, if the instance runs and serves here (see liveProcess). */
    get: liveProcess,
    /** Instances with a process here whose lease this node still holds (a start's last steps included). */
    liveIds(): string[] {
      return supervisor.liveIds().filter((id) => leases.leaseValid(id));
    },
    busy(id: string): boolean {
      return queue.busy(id);
    },
    logTail(id: string, lines: number): string[] | undefined {
      return supervisor.get(id)?.logTail(lines);
    },
    superuser(instance: { id: string; superuserEmail: string; superuserPasswordEnc: string }, url: string) {
      return superuserOf(instance, url);
    },
    /** Re-creates the platform superuser of an instance (its tenant changed or deleted it). */
    async repairSuperuser(t: { instanceId: string; email: string; password: string }): Promise<void> {
      const { diskQuotaBytes: _disk, ...limits } = limitsOf(await store.get(t.instanceId));
      await supervisor.ensureSuperuser(t.instanceId, pathsOf(t.instanceId), t.email, t.password, await identityOf(t.instanceId), limits);
    },
    /**
     * Shutdown: stops every live instance with a final upload, keeping desired states. At most
     * STOPS_AT_ONCE at a time, so each one finishes instead of a thousand sharing the cores and
     * the store until none has. Once `budgetMs` has passed since the call (the starts it waits
     * for count), none begins: the ones left stay up for the supervisor to stop without an
     * upload, as after a crash (their data stays on this node; the next start here resumes them:
     * main.ts gives a budget only to a node no other can take a tenant over from).
     */
    async stopAll(budgetMs: number): Promise<void> {
      const giveUpAt = Date.now() + budgetMs;
      closing = true; // starts still waiting for a slot give up, and stay `starting` for the next run
      await Promise.allSettled(starts.pending());
      const slots = pLimit(STOPS_AT_ONCE);
      let left = 0;
      const ids = supervisor.liveIds();
      // The slot is taken once the instance's own queue lets its stop begin, and the time checked then.
      const stop = (id: string) => slots(() => (Date.now() < giveUpAt ? doStop(id, "shutdown") : void left++));
      const stops = await Promise.allSettled(ids.map((id) => queue.run(id, () => stop(id))));
      let failed = 0;
      stops.forEach((result, i) => {
        if (result.status === "fulfilled") return;
        failed++;
        log.error({ err: result.reason, instanceId: ids[i] }, "stopping an instance at shutdown failed");
      });
      if (left > 0 || failed > 0) log.warn({ left, failed, budgetMs }, "shutdown: not every instance got its final upload");
    },
  };
}

export type Lifecycle = ReturnType<typeof createLifecycle>;
