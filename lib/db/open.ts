import { createDb, type Db, type DbConnection } from "./client";
import { migrateDb } from "./migrate";

/**
 * Opens the control DB ready for use: migrated, and for a shared `file:` database a busy timeout
 * so the web and the orchestrator wait for each other's write lock instead of failing with
 * SQLITE_BUSY. The pragma is set after migrating because @libsql/client hands its connection to
 * each transaction (migrations run in one) and opens a fresh one afterwards.
 */
export async function openDb(connection: DbConnection): Promise<Db> {
  const db = createDb(connection);
  await migrateDb(db);
  if (connection.url.startsWith("file:")) await db.run("PRAGMA busy_timeout = 5000");
  return db;
}
