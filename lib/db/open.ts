import { createDb, type Db, type DbConnection } from "./client";
import { migrateDb } from "./migrate";

/**
 * Opens the control DB ready for use: migrated (a `file:` database's busy timeout is set on every
 * connection by createDb). A `file:` database is put in WAL mode (kept in the file): a commit is
 * one append and one fsync instead of a rollback journal's several, and readers never wait for the
 * writer. The local client runs SQLite on the event loop: every request of the process waits.
 */
export async function openDb(connection: DbConnection): Promise<Db> {
  const db = createDb(connection);
  if (connection.url.startsWith("file:")) await db.run("PRAGMA journal_mode = WAL");
  await migrateDb(db);
  return db;
}
