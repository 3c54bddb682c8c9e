/**
 * The gateway's forwarder before issue 10, on http-proxy with Node's http.Agent, kept as the
 * same-run baseline of bench/gateway-overhead.ts (the product forwards with undici: see
 * orchestrator/gateway/forward/). Same policies and error answers; the upstream client and the
 * response relay (below, as it was) differ.
 */
import http, { type ClientRequest, type IncomingMessage, type ServerResponse } from "node:http";
import type { Duplex } from "node:stream";
import HttpProxy from "http-proxy";
import type { CreateForwarder } from "../../orchestrator/gateway/forward/types";
import { upstreamFailed } from "../../orchestrator/gateway/forward/upstream-failed";
import { forwardableHeaders } from "../../orchestrator/gateway/forward/headers";

export const createHttpProxyForwarder: CreateForwarder = ({ log, upstreamAnswered }) => {
  const proxy = HttpProxy.createProxyServer({ xfwd: false, ws: true });
  const pooledAgent = new http.Agent({ keepAlive: true, maxSockets: 128, maxFreeSockets: 64, scheduling: "lifo" });
  const streamAgent = new http.Agent({ keepAlive: false });
  const leaving = new WeakMap<http.IncomingMessage, (fn: () => void) => void>();
  const ending = new WeakMap<http.IncomingMessage, (fn: () => void) => void>();
  const streams = new WeakSet<http.ServerResponse>();
  // Options built once per address, as the old path did (a bench runs against one address).
  const options = new Map<string, { pooled: HttpProxy.ServerOptions; stream: HttpProxy.ServerOptions }>();
  const optionsFor = (host: string, port: number) => {
    const key = `${host}:${port}`;
    let entry = options.get(key);
    if (entry === undefined) {
      const target = { protocol: "http:", host, hostname: host, port };
      entry = {
        pooled: { target, agent: pooledAgent, headers: { connection: "keep-alive" }, selfHandleResponse: true },
        stream: { target, agent: streamAgent, proxyTimeout: 0, timeout: 0, selfHandleResponse: true },
      };
      options.set(key, entry);
    }
    return entry;
  };

  proxy.on("error", (err, req, res) => upstreamFailed(log, err, req, res));
  const abortWhenClientLeaves = (proxyReq: ClientRequest, req: http.IncomingMessage) => leaving.get(req)?.(() => proxyReq.destroy());
  proxy.on("proxyReq", abortWhenClientLeaves);
  proxy.on("proxyReqWs", (proxyReq, req) => {
    abortWhenClientLeaves(proxyReq, req);
    proxyReq.once("upgrade", (_res: http.IncomingMessage, upstreamSocket: Duplex) => ending.get(req)?.(() => upstreamSocket.destroy()));
  });
  proxy.on("proxyRes", (proxyRes, req, res) => {
    upstreamAnswered(req, proxyRes.statusCode ?? 502);
    relayResponse(proxyRes, res, streams.has(res));
  });

  return {
    forward(ctx, { host, port }) {
      if (ctx.watch.left) return;
      const { exchange, req, watch } = ctx;
      leaving.set(req, (fn) => watch.onLeave(fn));
      ending.set(req, (fn) => watch.onEnd(fn));
      const { pooled, stream } = optionsFor(host, port);
      if (exchange.kind === "upgrade") return proxy.ws(req, exchange.socket, exchange.head, stream);
      if (ctx.isStream) {
        streams.add(exchange.res);
        return proxy.web(req, exchange.res, stream);
      }
      proxy.web(req, exchange.res, pooled);
    },
    close: async () => {
      pooledAgent.destroy();
      streamAgent.destroy();
    },
  };
};

/**
 * The old relay: copies an upstream response with backpressure, corking the client socket from the
 * first chunk until setImmediate so headers, body and terminator (which http-proxy's stream hands
 * over in separate turns) leave in one write.
 */
function relayResponse(proxyRes: IncomingMessage, res: ServerResponse, isStream: boolean): void {
  res.writeHead(proxyRes.statusCode ?? 502, proxyRes.statusMessage, forwardableHeaders(proxyRes.rawHeaders));
  if (isStream) res.flushHeaders();
  const socket = res.socket;
  let corked = false;
  proxyRes.on("data", (chunk: Buffer) => {
    if (!corked && socket && !isStream) {
      corked = true;
      socket.cork();
      setImmediate(() => {
        if (!corked) return;
        corked = false;
        socket.uncork();
      });
    }
    if (!res.write(chunk)) proxyRes.pause();
  });
  res.on("drain", () => proxyRes.resume());
  proxyRes.on("end", () => {
    corked = false;
    res.end();
  });
  proxyRes.on("error", () => res.destroy());
}
