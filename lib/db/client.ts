import { createClient } from "@libsql/client";
import { drizzle } from "drizzle-orm/libsql";
import * as schema from "./schema";

/** Connection settings for the control DB: a `file:` URL or a libSQL server / Turso URL. */
export type DbConnection = { url: string; authToken?: string | undefined };

/**
 * How long a write to a `file:` database waits for another connection's lock (the web and the
 * orchestrator share the file, and the client itself keeps a small pool) before SQLITE_BUSY.
 */
const FILE_BUSY_TIMEOUT_MS = 5_000;

/** Opens the control DB. One client per process; both web and orchestrator use this. */
export function createDb(connection: DbConnection) {
  // `timeout` is the busy timeout of every connection the client opens (remote clients ignore it).
  const client = createClient({ url: connection.url, authToken: connection.authToken, timeout: FILE_BUSY_TIMEOUT_MS });
  const db = drizzle(client, { schema });
  return Object.assign(db, { close: () => client.close() });
}

export type Db = ReturnType<typeof createDb>;
