import { readOrchestratorEvents, type OrchestratorMessage } from "../orchestrator-client";

/** One consumer of the shared stream (a browser's SSE connection). */
export type HubSubscriber = {
  /** The upstream stream is connected (called at once when it already is). */
  ready: () => void;
  message: (m: OrchestratorMessage) => void;
  /** The upstream stream ended or failed; the subscriber is dropped and should reconnect. */
  end: (err?: unknown) => void;
};

/** The shared orchestrator event stream: one upstream connection however many browsers watch. */
export type EventHub = { subscribe: (s: HubSubscriber) => () => void; subscriberCount: () => number };

type Connection = { controller: AbortController; connected: boolean; subscribers: Set<HubSubscriber> };

/**
 * Opens the upstream stream when the first subscriber arrives and closes it when the last leaves.
 * When it drops, every subscriber of that connection is ended (browsers reconnect and resync).
 */
export function createEventHub(open: (signal: AbortSignal) => Promise<ReadableStream<Uint8Array>>): EventHub {
  let current: Connection | undefined;

  const run = async (conn: Connection) => {
    let failure: unknown;
    try {
      const body = await open(conn.controller.signal);
      conn.connected = true;
      for (const s of [...conn.subscribers]) s.ready();
      for await (const m of readOrchestratorEvents(body)) for (const s of [...conn.subscribers]) s.message(m);
    } catch (err) {
      failure = err;
    }
    if (current === conn) current = undefined;
    for (const s of [...conn.subscribers]) s.end(failure);
    conn.subscribers.clear();
  };

  return {
    subscribe(s) {
      const conn = current ?? { controller: new AbortController(), connected: false, subscribers: new Set<HubSubscriber>() };
      conn.subscribers.add(s);
      if (!current) {
        current = conn;
        void run(conn);
      } else if (conn.connected) s.ready();
      return () => {
        conn.subscribers.delete(s);
        if (conn.subscribers.size > 0) return;
        if (current === conn) current = undefined;
        conn.controller.abort();
      };
    },
    subscriberCount: () => current?.subscribers.size ?? 0,
  };
}
