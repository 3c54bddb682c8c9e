import type { LookupAddress, LookupOptions } from "node:dns";
import http from "node:http";
import net from "node:net";
import { EventSource, type EventSourceInit } from "eventsource";
import PocketBase from "pocketbase";
import { Agent, type Dispatcher } from "undici";

/**
 * Node-side clients for `<sub>.localhost:<port>` through the gateway. Node's resolver does not
 * resolve `*.localhost`, so every connection goes through an undici Agent whose `connect.lookup`
 * answers 127.0.0.1 for any name, while URLs (and so Host headers) keep the real subdomain.
 *
 * Requests use Node's global `fetch` with that Agent as `dispatcher` rather than undici's own
 * `fetch`: undici's fetch does not recognise Node's global `FormData`/`Blob` (it would send
 * "[object FormData]"), and the PocketBase SDK builds uploads with the global classes.
 */

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/** Resolves every hostname to 127.0.0.1 (both the single-address and the `all: true` lookup forms). */
export function loopbackLookup(_hostname: string, options: LookupOptions, callback: LookupCallback): void {
  if (options.all) callback(null, [{ address: "127.0.0.1", family: 4 }]);
  else callback(null, "127.0.0.1", 4);
}

/** An undici Agent that connects any hostname to 127.0.0.1; over TLS it trusts only `ca` (PEM) and checks the name. */
export function createLoopbackAgent(opts: { ca?: string } = {}): Agent {
  return new Agent({ connect: { lookup: loopbackLookup, ...(opts.ca ? { ca: opts.ca } : {}) } });
}

/** A fetch-compatible function that sends through `dispatcher`. */
export function createRoutedFetch(dispatcher: Dispatcher): typeof fetch {
  return (input, init) => {
    const routed: RequestInit & { dispatcher: Dispatcher } = { ...init, dispatcher };
    return fetch(input, routed);
  };
}

export type GatewayClient = {
  agent: Agent;
  /** fetch through the loopback agent: `client.fetch(client.url("app", "/api/health"))`. */
  fetch: typeof fetch;
  /** `http(s)://<sub>.<baseDomain>:<port><path>` */
  url(subdomain: string, path?: string): string;
  /** The official SDK for one instance, sending every request (and its realtime POSTs) through the agent. */
  pocketBase(subdomain: string): PocketBase;
  /** An `eventsource` v4 EventSource whose connections go through the agent. */
  EventSource: typeof EventSource;
  /**
   * Sets `globalThis.EventSource` to the routed class (the SDK's realtime uses the global one;
   * Node 22 and 24 have none without --experimental-eventsource). Returns a function restoring the previous value.
   */
  installEventSource(): () => void;
  /** Destroys the agent and every connection it holds (open SSE streams included). */
  close(): Promise<void>;
};

/**
 * Builds clients for a gateway listening on 127.0.0.1:`port`, serving `<sub>.<baseDomain>` (default
 * `localhost`); with `https` for a TLS front such as Caddy, whose certificates must chain to `https.ca`.
 */
export function createGatewayClient(opts: { port: number; baseDomain?: string; https?: { ca: string } }): GatewayClient {
  const baseDomain = opts.baseDomain ?? "localhost";
  const agent = createLoopbackAgent({ ca: opts.https?.ca });
  const routedFetch = createRoutedFetch(agent);
  const scheme = opts.https ? "https" : "http";
  const url = (subdomain: string, path = "") => `${scheme}://${subdomain}.${baseDomain}:${opts.port}${path}`;

  class RoutedEventSource extends EventSource {
    constructor(target: string | URL, init?: EventSourceInit) {
      super(target, { ...init, fetch: routedFetch });
    }
  }

  return {
    agent,
    fetch: routedFetch,
    url,
    pocketBase(subdomain) {
      const pb = new PocketBase(url(subdomain));
      // Tests fire concurrent identical requests; the SDK would otherwise cancel all but the last.
      pb.autoCancellation(false);
      // SendOptions.fetch is the SDK's documented per-request fetch override.
      pb.beforeSend = (target, options) => ({ url: target, options: { ...options, fetch: routedFetch } });
      return pb;
    },
    EventSource: RoutedEventSource,
    installEventSource() {
      const previous = Object.getOwnPropertyDescriptor(globalThis, "EventSource");
      Object.defineProperty(globalThis, "EventSource", { value: RoutedEventSource, configurable: true, writable: true });
      return () => {
        if (previous) Object.defineProperty(globalThis, "EventSource", previous);
        else Reflect.deleteProperty(globalThis, "EventSource");
      };
    },
    close: () => agent.destroy(),
  };
}

/**
 * A raw TCP connection to a gateway on 127.0.0.1, from `localAddress` (every 127/8 address is
 * loopback, so tests can play several clients), writing `text` as-is: for slow or half-sent requests.
 */
export function rawConnection(port: number, opts: { localAddress?: string; text?: string } = {}) {
  const socket = net.connect({ port, host: "127.0.0.1", localAddress: opts.localAddress });
  let received = "";
  socket.setEncoding("utf8");
  socket.on("data", (chunk: string) => (received += chunk));
  // Resets are expected here (the gateway refuses or cuts these sockets); the test reads `closed`.
  socket.on("error", (err) => void err);
  const closed = new Promise<void>((resolve) => socket.once("close", () => resolve()));
  const connected = new Promise<void>((resolve) => socket.once("connect", () => resolve()));
  if (opts.text !== undefined) socket.write(opts.text);
  return { socket, connected, closed, received: () => received };
}

/** One request to a gateway on 127.0.0.1 from `localAddress`, on its own connection; rejects after `timeoutMs`. */
export function requestFrom(
  port: number,
  opts: { localAddress?: string; host: string; path?: string; method?: string; headers?: http.OutgoingHttpHeaders; body?: string; timeoutMs?: number },
): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: "127.0.0.1",
        port,
        localAddress: opts.localAddress,
        path: opts.path ?? "/",
        method: opts.method ?? "GET",
        headers: { ...opts.headers, host: opts.host },
        agent: false,
      },
      (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => (body += chunk));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
        res.on("error", reject);
      },
    );
    req.setTimeout(opts.timeoutMs ?? 10_000, () => req.destroy(new Error(`no answer within ${opts.timeoutMs ?? 10_000} ms`)));
    req.on("error", reject);
    req.end(opts.body);
  });
}
