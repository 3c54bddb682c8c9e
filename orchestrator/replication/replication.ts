import { constants as fsConstants } from "node:fs";
import fs from "node:fs/promises";
import path from "node:path";
import { execa } from "execa";
import type { StorageConfig } from "../config";
import type { Logger } from "../logger";
import type { ObjectStorage } from "../storage/object-storage";
import type { TenantPaths } from "../tenant/paths";
import { type LitestreamDaemon, startLitestream } from "./litestream-daemon";
import { replicaEnv, replicaPrefix, replicaUrl, storedReplicaTxid } from "./replica-location";
import type { ReplicationStatus, RestoreWindow } from "../../lib/backups-json";

export type Replication = ReturnType<typeof createReplication> extends Promise<infer R> ? R : never;

type LtxInfo = { level: number; min_txid: string; max_txid: string; size: number; timestamp: string };

const DATABASE = "data.db";
/** A download waits this long for the tenant's last writes to reach the store. */
const SYNC_NOW_SECONDS = 15;
/** Listing a replica retries while the store is down: a restore or the backups page gives up after this. */
const WINDOW_TIMEOUT_MS = 5_000;
const LTX_NAME = /^([0-9a-f]{16})-([0-9a-f]{16})\.ltx$/;

/**
 * Litestream's level-0 files beside a database (`.data.db-litestream/ltx/0/`), oldest first: one
 * per captured transaction. Only names are read here; the folder is on the tenant's volume,
 * mounted nosymfollow.
 */
async function localTransactions(dbPath: string): Promise<{ txid: number; file: string }[]> {
  const dir = path.join(path.dirname(dbPath), `.${path.basename(dbPath)}-litestream`, "ltx", "0");
  const names = await fs.readdir(dir).catch(() => [] as string[]);
  const found: { txid: number; file: string }[] = [];
  for (const name of names) {
    const match = LTX_NAME.exec(name);
    if (match?.[2]) found.push({ txid: Number.parseInt(match[2], 16), file: path.join(dir, name) });
  }
  return found.sort((a, b) => a.txid - b.txid);
}

/**
 * When a transaction was captured: the timestamp in its LTX header (milliseconds, at byte 32 after
 * the "LTX1" magic), which a file fetched back from the replica keeps; null when unreadable.
 */
async function capturedAt(file: string): Promise<number | null> {
  let handle: fs.FileHandle | undefined;
  try {
    handle = await fs.open(file, fsConstants.O_RDONLY | fsConstants.O_NOFOLLOW | fsConstants.O_NONBLOCK);
    const header = Buffer.alloc(40);
    const { bytesRead } = await handle.read(header, 0, 40, 0);
    if (bytesRead < 40 || header.toString("latin1", 0, 4) !== "LTX1") return null;
    return Number(header.readBigInt64BE(32));
  } catch {
    return null; // gone (compacted away) or not a regular file
  } finally {
    await handle?.close();
  }
}

/** A final sync (at stop) gets this long to reach the store; the stop snapshot holds everything anyway. */
const FINAL_SYNC_SECONDS = 30;

/**
 * Continuous replication of every running tenant's data.db with the node's one Litestream
 * process: `attach` once PocketBase runs (its -wal/-shm exist and are the tenant's), `detach` after
 * it stopped (a final sync). Restores read the replica with `litestream restore`.
 *
 * Litestream runs as root and opens each database by path, so it must never be redirected by a
 * tenant's symlink: tenant volumes are mounted `nosymfollow` (sandbox/volumes.ts). Its own state
 * (`.data.db-litestream/`) sits beside the database, on the tenant's volume, where a tenant can only
 * spoil its own replication.
 */
export async function createReplication(deps: {
  binary: string;
  workDir: string;
  storageConfig: StorageConfig;
  storage: ObjectStorage;
  restoreWindowMs: number;
  snapshotIntervalMs: number;
  log: Logger;
  /** The tenant's replica lineages as the control DB has them (cluster/cluster-store.ts `lineages`). */
  lineages: (instanceId: string) => Promise<{ lineage: number; previousLineage: number }>;
}) {
  const { storageConfig, storage, log } = deps;
  const env = replicaEnv(storageConfig);
  /** Database path and replica lineage of every attached tenant: registered again whenever Litestream restarts. */
  const attached = new Map<string, { dbPath: string; lineage: number }>();
  /** The newest stored transaction last seen per tenant, and when: for the status while the store is unreachable. */
  const lastStored = new Map<string, { txid: number; atMs: number }>();
  /** Registrations in flight (settled either way), which a detach waits for, and those that succeeded. */
  const registering = new Map<string, Promise<void>>();
  const registered = new Set<string>();
  const databaseOf = (paths: TenantPaths) => path.join(paths.dataDir, DATABASE);

  const register = (instanceId: string, { dbPath, lineage }: { dbPath: string; lineage: number }) =>
    daemon.request("POST", "/register", { path: dbPath, replica_url: replicaUrl(storageConfig, instanceId, lineage) });

  /**
   * The lineage a restore reads: the current one once it holds data, else the one before it (a new
   * holder's lineage is empty until its Litestream's first sync).
   */
  async function readLineage(instanceId: string): Promise<number> {
    const { lineage, previousLineage } = await deps.lineages(instanceId);
    if (lineage === previousLineage) return lineage;
    return (await storedReplicaTxid(storage, storageConfig.driver, instanceId, lineage)) > 0 ? lineage : previousLineage;
  }

  const daemon: LitestreamDaemon = await startLitestream({
    binary: deps.binary,
    workDir: deps.workDir,
    settings: { restoreWindowMs: deps.restoreWindowMs, snapshotIntervalMs: deps.snapshotIntervalMs },
    env,
    log,
    onStarted: async () => {
      for (const [id, target] of attached) {
        await register(id, target)
          .then(() => void registered.add(id))
          .catch((err: unknown) => log.error({ err, instanceId: id }, "re-registering with Litestream failed"));
      }
    },
  });

  const syncNow = (dbPath: string) => daemon.request("POST", "/sync", { path: dbPath, wait: true, timeout: SYNC_NOW_SECONDS }, (SYNC_NOW_SECONDS + 5) * 1000);

  const litestream = (args: string[], timeoutMs?: number) =>
    execa(deps.binary, args, { env: { PATH: process.env.PATH ?? "/usr/bin:/bin", ...env }, extendEnv: false, reject: false, timeout: timeoutMs });

  return {
    /**
     * Registers the database; resolves once Litestream has it (a start need not wait: the data is
     * already stored as a snapshot, or brand new). Litestream takes its first copy within a second
     * or so. A detach waits for the registration, so the two never cross.
     */
    attach(instanceId: string, paths: TenantPaths, lineage: number): Promise<void> {
      const target = { dbPath: databaseOf(paths), lineage };
      attached.set(instanceId, target);
      lastStored.set(instanceId, { txid: 0, atMs: Date.now() });
      const done = register(instanceId, target).then(() => void registered.add(instanceId));
      registering.set(
        instanceId,
        done.catch(() => undefined),
      );
      return done;
    },

    /** Ships what the tenant has written until now to the store, and waits for it (no-op when not attached). */
    async flush(instanceId: string): Promise<void> {
      await registering.get(instanceId);
      const target = attached.get(instanceId);
      if (target) await syncNow(target.dbPath);
    },

    /**
     * Final sync and unregistration; never throws (the stop snapshot that follows holds everything).
     * `finalSyncSeconds` bounds the final sync (Litestream always makes one): a node that lost the
     * tenant's lease keeps it short, so little can land after another node took the tenant over.
     */
    async detach(instanceId: string, finalSyncSeconds = FINAL_SYNC_SECONDS): Promise<void> {
      await registering.get(instanceId);
      registering.delete(instanceId);
      registered.delete(instanceId);
      const dbPath = attached.get(instanceId)?.dbPath;
      if (!dbPath) return;
      attached.delete(instanceId);
      lastStored.delete(instanceId);
      try {
        await daemon.request("POST", "/unregister", { path: dbPath, timeout: finalSyncSeconds }, (finalSyncSeconds + 5) * 1000);
      } catch (err) {
        log.warn({ err, instanceId }, "Litestream's final sync failed; the stop snapshot covers it");
      }
    },

    /**
     * Whether the tenant's data.db is being replicated right now: attached, registered, and
     * Litestream running. Scheduled snapshots leave the databases to the replica only then.
     */
    isReplicating: (instanceId: string) => attached.has(instanceId) && registered.has(instanceId) && daemon.isUp(),

    /**
     * Compares the transactions Litestream has captured locally (its level-0 files beside the
     * database, stamped when captured) with the newest one in the store. Litestream's own socket is
     * not asked: it blocks while an upload hangs on an unreachable store, exactly when this matters.
     */
    async status(instanceId: string): Promise<ReplicationStatus> {
      const target = attached.get(instanceId);
      if (!target) return { state: "off" };
      const local = await localTransactions(target.dbPath);
      const seen = lastStored.get(instanceId) ?? { txid: 0, atMs: Date.now() };
      let stored = seen.txid;
      let error: string | null = null;
      try {
        stored = await storedReplicaTxid(storage, storageConfig.driver, instanceId, target.lineage);
        lastStored.set(instanceId, { txid: stored, atMs: Date.now() });
      } catch (err) {
        log.warn({ err, instanceId }, "reading the replica's position failed");
        error = "The object store cannot be reached; writes are kept on the server and sent once it answers.";
      }
      const pending = local.filter((t) => t.txid > stored);
      const oldestPendingAt = pending[0] ? await capturedAt(pending[0].file) : null;
      const replicated = local.filter((t) => t.txid <= stored).at(-1);
      const replicatedAt = replicated ? await capturedAt(replicated.file) : null;
      // While the store cannot be read, the lag is at least the time since it last could be; before
      // Litestream captured anything, it is the time since the tenant was attached.
      const unknownSince = error || local.length === 0 ? seen.atMs : Infinity;
      const sinceMs = Math.min(oldestPendingAt ?? (pending.length > 0 ? seen.atMs : Infinity), unknownSince);
      return {
        state: "replicating",
        lastReplicatedAt: replicatedAt === null ? null : new Date(replicatedAt).toISOString(),
        lagSeconds: Number.isFinite(sinceMs) ? Math.max(0, Math.round((Date.now() - sinceMs) / 1000)) : 0,
        pendingTransactions: pending.length,
        error,
      };
    },

    /** The lineage a restore reads, and its newest transaction in the store (0: never replicated). */
    async storedPosition(instanceId: string): Promise<{ lineage: number; txid: number }> {
      const lineage = await readLineage(instanceId);
      return { lineage, txid: await storedReplicaTxid(storage, storageConfig.driver, instanceId, lineage) };
    },

    /** Deletes a lineage nothing reads any more (the one before a new holder's, once that has data). */
    async dropLineage(instanceId: string, lineage: number): Promise<void> {
      const deleted = await storage.deletePrefix(replicaPrefix(instanceId, lineage));
      log.info({ instanceId, lineage, deleted }, "deleted a replica lineage that is no longer read");
    },

    /** Restores the tenant's database, as of `at` (default: its newest state), to `dest` (a path of ours). */
    /**
     * Restores the tenant's database as of `at` (default: its newest state) to `dest`, a path of ours.
     * A moment after the replica's newest transaction is its newest state: Litestream refuses such a
     * timestamp ("timestamp does not exist"), so the newest state is restored instead. That is
     * decided here, when the restore runs (after a stop's final sync), not when it was asked for.
     */
    async restore(instanceId: string, dest: string, at?: Date): Promise<void> {
      const url = replicaUrl(storageConfig, instanceId, await readLineage(instanceId));
      let result = await litestream(["restore", "-o", dest, ...(at ? ["-timestamp", at.toISOString()] : []), url]);
      if (at && result.exitCode !== 0 && /timestamp does not exist/.test(String(result.stderr))) {
        const window = await this.window(instanceId);
        if (window && at.getTime() >= Date.parse(window.from)) result = await litestream(["restore", "-o", dest, url]);
      }
      if (result.exitCode !== 0) throw new Error(`Restoring the database from its replica failed: ${String(result.stderr || result.stdout).trim()}`);
    },

    /** From when to when the tenant's database can be restored; null when nothing is replicated. */
    async window(instanceId: string): Promise<RestoreWindow> {
      const result = await litestream(
        ["ltx", "-level", "all", "-json", replicaUrl(storageConfig, instanceId, await readLineage(instanceId))],
        WINDOW_TIMEOUT_MS,
      );
      if (result.timedOut) throw new Error(`Listing the replica took longer than ${WINDOW_TIMEOUT_MS} ms (is the object store reachable?)`);
      if (result.exitCode !== 0) throw new Error(`Listing the replica failed: ${String(result.stderr).trim()}`);
      const files = JSON.parse(String(result.stdout)) as LtxInfo[];
      // A restore starts from a snapshot (level 9) or from the very first transaction.
      const bases = files.filter((f) => f.level === 9 || Number.parseInt(f.min_txid, 16) === 1).map((f) => Date.parse(f.timestamp));
      if (bases.length === 0) return null;
      const from = bases.reduce((a, b) => Math.min(a, b));
      const to = files.reduce((latest, f) => Math.max(latest, Date.parse(f.timestamp)), from);
      return { from: new Date(from).toISOString(), to: new Date(to).toISOString() };
    },

    /** Stops Litestream after syncing what it has. */
    close: () => daemon.stop(),
  };
}
