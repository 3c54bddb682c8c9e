import { createDb, type Db } from "../db/client";
import { migrateDb } from "../db/migrate";
import { webConfig } from "../env";
import { createOrchestratorClient, type OrchestratorClient } from "../orchestrator-client";
import { createEventHub, type EventHub } from "./event-hub";

/** The signed-in user every data function acts for. */
export type Actor = { id: string; email: string; name: string };

let dbPromise: Promise<Db> | undefined;
let orchestrator: OrchestratorClient | undefined;
let hub: EventHub | undefined;

/**
 * The process's one control-DB client, opened and migrated on first use (migrations are
 * idempotent, so the web works whether it or the orchestrator starts first).
 */
export function getDb(): Promise<Db> {
  dbPromise ??= (async () => {
    const config = webConfig();
    const db = createDb(config.db);
    // Web and orchestrator share a `file:` DB by default: wait for the other's write lock
    // instead of failing with SQLITE_BUSY (a no-op for remote libSQL servers).
    if (config.db.url.startsWith("file:")) await db.run("PRAGMA busy_timeout = 5000");
    await migrateDb(db);
    return db;
  })().catch((err: unknown) => {
    dbPromise = undefined;
    throw err;
  });
  return dbPromise;
}

/** The process's orchestrator client. */
export function getOrchestrator(): OrchestratorClient {
  const config = webConfig();
  orchestrator ??= createOrchestratorClient({ baseUrl: config.orchestratorUrl, token: config.orchestratorToken });
  return orchestrator;
}

/** The process's shared subscription to the orchestrator's event stream. */
export function getEventHub(): EventHub {
  hub ??= createEventHub((signal) => getOrchestrator().events(signal));
  return hub;
}
