import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";

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
