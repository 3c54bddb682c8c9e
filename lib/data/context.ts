import type { Db } from "../db/client";
import { openDb } from "../db/open";
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
    return openDb(config.db);
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
