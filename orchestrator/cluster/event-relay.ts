import { createOrchestratorClient, readOrchestratorEvents, type OrchestratorMessage } from "../../lib/orchestrator-client";
import type { Logger } from "../logger";
import type { PeerNode } from "./cluster-store";

/** How often the set of followed peers is brought up to date (a new node, a dead one, a dropped stream). */
const REFRESH_MS = 2_000;

/**
 * The other nodes' instance changes, for the dashboard's event stream: while anyone listens, this
 * node follows every live peer's own events (`GET /v1/events?scope=node`) and hands them on, so
 * the dashboard may talk to any node and still see every change live.
 */
export function createEventRelay(deps: { selfId: string; peers: () => readonly PeerNode[]; token: string; log: Logger; refreshMs?: number }) {
  const listeners = new Set<(message: OrchestratorMessage) => void>();
  /** One followed stream per peer process (`id/incarnation`): a restarted peer is followed anew. */
  const followed = new Map<string, AbortController>();
  let timer: NodeJS.Timeout | undefined;

  function follow(key: string, node: PeerNode): void {
    const abort = new AbortController();
    followed.set(key, abort);
    const client = createOrchestratorClient({ baseUrl: node.apiUrl, token: deps.token });
    (async () => {
      try {
        for await (const message of readOrchestratorEvents(await client.events(abort.signal, "node"))) {
          for (const listener of listeners) listener(message);
        }
      } catch (err) {
        if (!abort.signal.aborted) deps.log.debug({ err, node: node.id }, "following a peer's events failed; retrying");
      } finally {
        if (followed.get(key) === abort) followed.delete(key); // followed again at the next refresh
      }
    })().catch((err: unknown) => deps.log.error({ err }, "relaying a peer's events failed"));
  }

  function refresh(): void {
    const wanted = new Map<string, PeerNode>();
    for (const p of deps.peers()) if (p.live && p.id !== deps.selfId) wanted.set(`${p.id}/${p.incarnation}`, p);
    for (const [key, abort] of followed) {
      if (wanted.has(key)) continue;
      abort.abort();
      followed.delete(key);
    }
    for (const [key, node] of wanted) if (!followed.has(key)) follow(key, node);
  }

  return {
    /** Hands every peer's changes to `listener` until the returned function is called. */
    subscribe(listener: (message: OrchestratorMessage) => void): () => void {
      listeners.add(listener);
      if (listeners.size === 1) {
        refresh();
        timer = setInterval(refresh, deps.refreshMs ?? REFRESH_MS);
        timer.unref();
      }
      return () => {
        listeners.delete(listener);
        if (listeners.size > 0) return;
        clearInterval(timer);
        for (const abort of followed.values()) abort.abort();
        followed.clear();
      };
    },
  };
}

export type EventRelay = ReturnType<typeof createEventRelay>;
