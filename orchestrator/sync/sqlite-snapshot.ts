import { createRequire } from "node:module";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import { execa } from "execa";
import type { FileOwner } from "./tenant-file";

/**
 * The worker's program. It runs `VACUUM INTO` through @libsql/client: a read transaction that
 * writes a compact, consistent copy while PocketBase keeps reading and writing (WAL mode). The
 * native client is synchronous, so it runs off the main thread to keep the orchestrator responsive.
 */
const workerSource = `
const { parentPort, workerData } = require("node:worker_threads");
(async () => {
  let db;
  try {
    const { createClient } = await import(workerData.clientUrl);
    db = createClient({ url: workerData.url });
    await db.execute("PRAGMA busy_timeout = " + workerData.busyTimeoutMs);
    await db.execute({ sql: "VACUUM INTO ?", args: [workerData.dest] });
    parentPort.postMessage({ ok: true });
  } catch (err) {
    parentPort.postMessage({ ok: false, message: String((err && err.message) || err), code: err && err.code });
  } finally {
    if (db) db.close();
  }
})();
`;

type WorkerReply = { ok: true } | { ok: false; message: string; code?: string };

/** Writes a consistent copy of the SQLite database `source` to the new file `dest` (safe on a live database). */
export async function snapshotSqlite(source: string, dest: string, busyTimeoutMs = 10_000): Promise<void> {
  const clientUrl = pathToFileURL(createRequire(import.meta.url).resolve("@libsql/client")).href;
  const url = pathToFileURL(source).href;
  const worker = new Worker(workerSource, { eval: true, workerData: { clientUrl, url, dest, busyTimeoutMs } });
  try {
    const reply = await new Promise<WorkerReply>((resolve, reject) => {
      worker.once("message", resolve);
      worker.once("error", reject);
      worker.once("exit", (code) => reject(new Error(`SQLite snapshot worker exited early (code ${code})`)));
    });
    if (!reply.ok) throw new Error(`VACUUM INTO failed for ${source}: ${reply.message}${reply.code ? ` (${reply.code})` : ""}`);
  } finally {
    await worker.terminate();
  }
}

/** How to run the `sqlite3` command-line shell (Debian package sqlite3) for snapshots as a tenant. */
export type SqliteCli = { binary: string; timeoutMs: number; busyTimeoutMs: number };

export const defaultSqliteCli: SqliteCli = { binary: "sqlite3", timeoutMs: 10 * 60_000, busyTimeoutMs: 10_000 };

/**
 * Like `snapshotSqlite`, but `VACUUM INTO` runs in a `sqlite3` process under the tenant's uid and
 * gid (no supplementary groups, a bare environment, no stdin), so the source path is opened with
 * the tenant's rights: a database swapped for a symlink to a root-only file cannot be read.
 * `dest` must be in a folder the tenant can write to; read the copy back as a hostile file.
 */
export async function snapshotSqliteAs(owner: FileOwner, source: string, dest: string, cli: SqliteCli = defaultSqliteCli): Promise<void> {
  const sql = (db: string, into: string) => [
    "-batch",
    "-bail",
    "-init",
    "/dev/null",
    "-cmd",
    `.timeout ${cli.busyTimeoutMs}`,
    db,
    `VACUUM INTO ${sqlString(into)}`,
  ];
  // In the sandbox, a hostile database that subverted SQLite would find no network, no other process and no host files.
  const command = owner.sandboxed
    ? await owner.sandboxed(
        ["/usr/bin/sqlite3", ...sql(`${SOURCE_DIR}/${path.basename(source)}`, `${DEST_DIR}/${path.basename(dest)}`)],
        [
          { host: path.dirname(source), inside: SOURCE_DIR, writable: true }, // readers of a WAL database write its -shm
          { host: path.dirname(dest), inside: DEST_DIR, writable: true },
        ],
      )
    : { file: cli.binary, args: sql(source, dest) };
  const result = await execa(command.file, command.args, {
    ...(owner.sandboxed ? {} : { uid: owner.uid, gid: owner.gid }),
    env: { PATH: "/usr/bin:/bin" },
    extendEnv: false,
    stdin: "ignore",
    cwd: "/",
    timeout: cli.timeoutMs,
    maxBuffer: 64 * 1024,
    reject: false,
  });
  if (result.code === "ENOENT") throw new Error(`The ${cli.binary} command is missing: install the sqlite3 package (snapshots run it as the tenant)`);
  if (result.failed) {
    const why = result.stderr.trim().slice(0, 500) || result.shortMessage;
    throw new Error(`VACUUM INTO failed for ${source} as uid ${owner.uid}: ${why}`);
  }
}

/** Where a sandboxed `sqlite3` sees the tenant's databases and its output folder. */
const SOURCE_DIR = "/pb/snapshot_source";
const DEST_DIR = "/pb/snapshot_out";

/** An SQL string literal. */
function sqlString(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}
