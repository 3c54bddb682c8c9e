import { createDb, type Db, type DbConnection } from "./client";
import { migrateDb } from "./migrate";

/**
 * Opens the control DB ready for use: migrated, and for a shared `file:` database a busy timeout
 * so the web and the orchestrator wait for each other's write lock instead of failing with
 * SQLITE_BUSY. The pragma is set after migrating because @libsql/client hands its connection to
 * each transaction (migrations run in one) and opens a fresh one afterwards.
 *
 * A `file:` database is put in WAL mode (kept in the file): a commit is one append and one fsync
 * instead of a rollback journal's several, and readers never wait for the writer. The local
 * client runs SQLite on the event loop, so this is time every request of the process waits.
 */
export async function openDb(connection: DbConnection): Promise<Db> {
  const db = createDb(connection);
  if (connection.url.startsWith("file:")) await db.run("PRAGMA journal_mode = WAL");
  await migrateDb(db);
  if (connection.url.startsWith("file:")) await db.run("PRAGMA busy_timeout = 5000");
  return db;
}
