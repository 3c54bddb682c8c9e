import { createRequire } from "node:module";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import { execa } from "execa";
import type { FileOwner } from "./tenant-file";

/**
 * What turns the fresh copy `copy` (an SQL string literal) into a WAL database. `VACUUM INTO`
 * writes a rollback-journal database, and PocketBase switching a restored one to WAL at its start
 * cost a wake from the store 10-20 ms of synced writes; the copy's own writes need no sync (its
 * upload reads it back, and a crash before that discards it).
 */
const walCopy = (copy: string) => `ATTACH ${copy} AS copy; PRAGMA copy.synchronous = OFF; PRAGMA copy.journal_mode = WAL; DETACH copy;`;

/**
 * The worker's program. It runs `VACUUM INTO` through @libsql/client: a read transaction that
 * writes a compact, consistent copy while PocketBase keeps reading and writing (WAL mode), then
 * makes the copy a WAL database (walCopy). The native client is synchronous, so it runs off the
 * main thread to keep the orchestrator responsive.
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
    await db.executeMultiple(workerData.walCopy);
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
  const worker = new Worker(workerSource, { eval: true, workerData: { clientUrl, url, dest, busyTimeoutMs, walCopy: walCopy(sqlString(dest)) } });
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

/** One database to copy: the live `source` and the new file `dest`. */
export type SqliteCopy = { source: string; dest: string };

/**
 * Like `snapshotSqlite`, but `VACUUM INTO` (and walCopy) runs in a `sqlite3` process under the tenant's uid and
 * gid (no supplementary groups, a bare environment, no stdin), so each source path is opened with
 * the tenant's rights: a database swapped for a symlink to a root-only file cannot be read.
 * Every copy is made by the one process (the first database opened, the others attached), so a
 * tenant's two databases cost one sandbox, not two. All sources must be in one folder, and all
 * copies in another that the tenant can write to; read each copy back as a hostile file.
 */
export async function snapshotSqliteAs(owner: FileOwner, copies: SqliteCopy[], cli: SqliteCli = defaultSqliteCli): Promise<void> {
  const [first] = copies;
  if (!first) return;
  const sourceDir = path.dirname(first.source);
  const destDir = path.dirname(first.dest);
  if (copies.some((c) => path.dirname(c.source) !== sourceDir || path.dirname(c.dest) !== destDir)) {
    throw new Error("snapshotSqliteAs copies databases of one folder into one folder");
  }
  const script = (dirs: SqliteDirs) =>
    copies
      .map(({ source, dest }, i) => {
        const schema = i === 0 ? "main" : `source${i}`;
        const attach = i === 0 ? "" : `ATTACH ${sqlString(`${dirs.source}/${path.basename(source)}`)} AS ${schema}; `;
        const copy = sqlString(`${dirs.out}/${path.basename(dest)}`);
        return `${attach}VACUUM ${schema} INTO ${copy}; ${walCopy(copy)}`;
      })
      .join(" ");
  const result = await runSqliteAs(owner, first.source, script, destDir, cli);
  if (result.failed) {
    const why = result.stderr.trim().slice(0, 500) || result.shortMessage;
    const names = copies.map((c) => path.basename(c.source)).join(", ");
    throw new Error(`VACUUM INTO failed for ${names} in ${sourceDir} as uid ${owner.uid}: ${why}`);
  }
}

/**
 * `PRAGMA integrity_check` of a database the tenant gave us (an import), run as the tenant (in its
 * sandbox when it has one): null when the database is sound, else SQLite's findings or error.
 */
export async function integrityProblemsAs(owner: FileOwner, database: string, cli: SqliteCli = defaultSqliteCli): Promise<string | null> {
  const result = await runSqliteAs(owner, database, () => "PRAGMA integrity_check", null, cli);
  const out = String(result.stdout).trim();
  if (!result.failed && out === "ok") return null;
  return (out || String(result.stderr).trim() || result.shortMessage || "sqlite3 failed").slice(0, 500);
}

/** The database's folder and the output folder, as the `sqlite3` process sees them. */
type SqliteDirs = { source: string; out: string };

/**
 * Runs SQL on `database` in `sqlite3` as `owner`: in its sandbox (where a hostile database that
 * subverted SQLite finds no network, no other process and no host files), or under its uid. The
 * database's folder is bound writable (readers of a WAL database write its -shm), and `outDir`,
 * when given, too; `statement` gets both folders' paths as the process sees them.
 */
async function runSqliteAs(owner: FileOwner, database: string, statement: (dirs: SqliteDirs) => string, outDir: string | null, cli: SqliteCli) {
  const argv = (db: string, dirs: SqliteDirs) => ["-batch", "-bail", "-init", "/dev/null", "-cmd", `.timeout ${cli.busyTimeoutMs}`, db, statement(dirs)];
  const binds = [{ host: path.dirname(database), inside: SOURCE_DIR, writable: true }];
  if (outDir) binds.push({ host: outDir, inside: DEST_DIR, writable: true });
  const command = owner.sandboxed
    ? await owner.sandboxed(["/usr/bin/sqlite3", ...argv(`${SOURCE_DIR}/${path.basename(database)}`, { source: SOURCE_DIR, out: DEST_DIR })], binds)
    : { file: cli.binary, args: argv(database, { source: path.dirname(database), out: outDir ?? DEST_DIR }) };
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
  return result;
}

/** Where a sandboxed `sqlite3` sees the tenant's databases and its output folder. */
const SOURCE_DIR = "/pb/snapshot_source";
const DEST_DIR = "/pb/snapshot_out";

/** An SQL string literal. */
function sqlString(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}
