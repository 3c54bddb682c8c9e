import { createClient } from "@libsql/client";
import { drizzle } from "drizzle-orm/libsql";
import * as schema from "./schema";

/** Connection settings for the control DB: a `file:` URL or a libSQL server / Turso URL. */
export type DbConnection = { url: string; authToken?: string | undefined };

/** Opens the control DB. One client per process; both web and orchestrator use this. */
export function createDb(connection: DbConnection) {
  const client = createClient({ url: connection.url, authToken: connection.authToken });
  const db = drizzle(client, { schema });
  return Object.assign(db, { close: () => client.close() });
}

export type Db = ReturnType<typeof createDb>;
