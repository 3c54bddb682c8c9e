import path from "node:path";
import { fileURLToPath } from "node:url";
import { migrate } from "drizzle-orm/libsql/migrator";
import type { Db } from "./client";

const migrationsFolder = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../drizzle");

/** Applies the committed drizzle-kit migrations; safe to run on every start. */
export async function migrateDb(db: Db): Promise<void> {
  await db.run("PRAGMA foreign_keys = ON");
  await migrate(db, { migrationsFolder });
}
