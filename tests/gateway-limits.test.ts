import http from "node:http";
import type { AddressInfo } from "node:net";
import pino from "pino";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { WebSocket, WebSocketServer } from "ws";
import { createGateway, type Gateway, type GatewayLimits, type GatewayRouter } from "../orchestrator/gateway/create-gateway";
import { rawConnection, requestFrom } from "./support/gateway-client";
import { waitFor } from "./support/wait";

// Issue 6, holes 5 and 6, and the gateway's limits. Every flood here is bounded (at most a few
// hundred sockets, all to 127.0.0.1); clients play different addresses from 127.0.0.2 and up.

const OFF: GatewayLimits = {
  headersTimeoutMs: 10_000,
  keepAliveTimeoutMs: 5_000,
  maxConnections: 0,
  maxConnectionsPerIp: 0,
  maxConcurrentPerIp: 0,
  maxStreamsPerInstance: 0,
  ratePerIp: 0,
  ratePerInstance: 0,
};
const ATTACKER = "127.0.0.2";
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const BYSTANDER = "127.0.0.3";
const KEY = `pbk_AAAAAAAAAAAA_${"B".repeat(43)}`;

/** The upstream: counts open connections and requests, holds `/hold` until released, streams `/sse`, echoes X-Forwarded-For. */
function startUpstream() {
  const state = { connections: 0, inFlight: 0, webSockets: 0, held: [] as http.ServerResponse[] };
  const server = http.createServer((req, res) => {
    state.inFlight++;
    res.once("close", () => state.inFlight--);
    if (req.url === "/hold") return void state.held.push(res);
    if (req.url === "/sse") {
      res.writeHead(200, { "content-type": "text/event-stream" });
      return void res.write("data: hello\n\n");
    }
    req.resume(); // uploads: read what comes, answer when it is all there
    req.on("end", () => res.end(JSON.stringify({ xff: req.headers["x-forwarded-for"] })));
  });
  server.on("connection", (socket) => {
    state.connections++;
    socket.once("close", () => state.connections--);
  });
  const wss = new WebSocketServer({ server });
  wss.on("connection", (socket) => {
    state.webSockets++;
    socket.once("close", () => state.webSockets--);
    socket.on("message", (data) => socket.send(data));
  });
  const releaseHeld = () => state.held.splice(0).forEach((res) => res.end("released"));
  return { server, state, releaseHeld };
}

describe("gateway limits", () => {
  const log = pino({ level: process.env.GATEWAY_TEST_LOG ?? "silent" });
  const upstream = startUpstream();
  let upstreamPort: number;
  let gateway: Gateway | undefined;
  /** API-key checks wait for this gate when set: a slow key check (DB lookup, token mint). */
  let authorizeGate: Promise<void> | undefined;
  let authorizeCalls = 0;
  const router: GatewayRouter = {
    resolve: async (sub) => (sub === "echo" || sub === "other" ? `inst-${sub}` : null),
    ensureRunning: async () => ({ host: "127.0.0.1", port: upstreamPort }),
    activity: () => undefined,
    authorize: async () => {
      authorizeCalls++;
      await authorizeGate;
      return "Bearer upstream-token";
    },
  };

  async function startGateway(limits: Partial<GatewayLimits>, trustedProxyHops = 0, isPeer?: (ip: string) => boolean): Promise<number> {
    gateway = createGateway({
      config: { host: "127.0.0.1", port: 0, baseDomain: "localhost", wakeTimeoutMs: 5_000, trustedProxyHops, peerKey: "test", limits: { ...OFF, ...limits } },
      log,
      router,
      isPeer,
    });
    return (await gateway.listen()).port;
  }

  beforeAll(async () => {
    await new Promise<void>((r) => upstream.server.listen(0, "127.0.0.1", r));
    upstreamPort = (upstream.server.address() as AddressInfo).port;
  });
  afterEach(async () => {
    upstream.releaseHeld();
    await gateway?.close();
    gateway = undefined;
    authorizeGate = undefined;
  });
  afterAll(async () => {
    await new Promise((r) => upstream.server.close(r));
  });

  it("closes a connection that does not finish its headers in time", async () => {
    const port = await startGateway({ headersTimeoutMs: 1_000 });
    const slow = rawConnection(port, { text: "GET /api/health HTTP/1.1\r\nHost: echo.localhost\r\n" });
    await waitFor("slow-header socket closed", async () => {
      await Promise.race([slow.closed, new Promise((r) => setTimeout(r, 200))]);
      return slow.socket.destroyed ? true : undefined;
    });
    expect(slow.received()).toMatch(/^HTTP\/1\.1 408/);
  });

  it("refuses slow-header sockets beyond the per-address cap with 429 JSON and keeps serving others", async () => {
    const port = await startGateway({ maxConnectionsPerIp: 20, headersTimeoutMs: 60_000 });
    const flood = Array.from({ length: 200 }, () => rawConnection(port, { localAddress: ATTACKER, text: "GET / HTTP/1.1\r\nHost: echo.local" }));
    await waitFor("180 refused", () => (flood.filter((c) => c.socket.destroyed).length >= 180 ? true : undefined));
    const refused = flood.filter((c) => c.socket.destroyed);
    expect(refused).toHaveLength(180);
    expect(refused[0]!.received()).toMatch(/^HTTP\/1\.1 429 /);
    expect(JSON.parse(refused[0]!.received().split("\r\n\r\n")[1]!)).toMatchObject({ error: { code: "rate_limited" } });
    expect((await requestFrom(port, { localAddress: BYSTANDER, host: "echo.localhost" })).status).toBe(200);
    flood.forEach((c) => c.socket.destroy());
  });

  it("does not count another node's gateway against the per-address cap: it forwards many clients", async () => {
    const port = await startGateway({ maxConnectionsPerIp: 5, headersTimeoutMs: 60_000 }, 0, (ip) => ip === ATTACKER);
    const peer = Array.from({ length: 20 }, () => rawConnection(port, { localAddress: ATTACKER, text: "GET / HTTP/1.1\r\nHost: echo.local" }));
    await Promise.all(peer.map((c) => c.connected));
    await sleep(200);
    expect(peer.filter((c) => c.socket.destroyed)).toHaveLength(0);
    peer.forEach((c) => c.socket.destroy());
  });

  it("closes the connection of a refused upload instead of reading the rest of its body", async () => {
    const port = await startGateway({});
    const refused = rawConnection(port, { text: `POST /x HTTP/1.1\r\nHost: nope.localhost\r\nContent-Length: 10000000\r\n\r\n${"x".repeat(1000)}` });
    await refused.closed;
    expect(refused.received()).toMatch(/^HTTP\/1\.1 404 [^]*\r\nConnection: close\r\n/i);
  });

  it("refuses connections beyond the overall cap with 503 JSON", async () => {
    const port = await startGateway({ maxConnections: 10 });
    const held = Array.from({ length: 10 }, () => rawConnection(port, { localAddress: ATTACKER }));
    await Promise.all(held.map((c) => c.connected));
    // Answered as soon as it is accepted, before any request is read.
    const probe = rawConnection(port, { localAddress: BYSTANDER });
    await probe.closed;
    expect(probe.received()).toMatch(/^HTTP\/1\.1 503 /);
    expect(probe.received()).toMatch(/\r\nRetry-After: 5\r\n/);
    expect(JSON.parse(probe.received().split("\r\n\r\n")[1]!)).toMatchObject({ error: { code: "unavailable" } });
    held.forEach((c) => c.socket.destroy());
  });

  it("caps open streams per instance (SSE and WebSocket) with 503 JSON and frees the slot when one ends", async () => {
    const port = await startGateway({ maxStreamsPerInstance: 2 });
    const sse = () => requestStream(port, "echo");
    const first = await sse();
    const ws = await openWebSocket(port, "echo");
    const refused = await requestFrom(port, { host: "echo.localhost", path: "/sse", headers: { accept: "text/event-stream" } });
    expect(refused.status).toBe(503);
    expect(JSON.parse(refused.body)).toMatchObject({ error: { code: "unavailable" } });
    expect(await openWebSocket(port, "echo").catch((err: Error) => err.message)).toMatch(/503/);
    const elsewhere = await requestStream(port, "other"); // another instance has its own cap
    first.destroy();
    const reopened = await waitFor("a slot frees up", () => requestStream(port, "echo").catch(() => undefined));
    reopened.destroy();
    elsewhere.destroy();
    // Closing the gateway cuts the client side of the WebSocket: the upstream side must go too.
    await gateway?.close();
    gateway = undefined;
    await waitFor("upstream WebSocket closed", () => (upstream.state.webSockets === 0 ? true : undefined));
    expect(ws.readyState).not.toBe(WebSocket.OPEN);
  });

  it("caps requests in flight per client address with 429 while other addresses go on", async () => {
    const port = await startGateway({ maxConcurrentPerIp: 3 });
    const held = Array.from({ length: 3 }, () => requestFrom(port, { localAddress: ATTACKER, host: "echo.localhost", path: "/hold" }));
    await waitFor("3 requests held upstream", () => (upstream.state.held.length === 3 ? true : undefined));
    const fourth = await requestFrom(port, { localAddress: ATTACKER, host: "echo.localhost" });
    expect(fourth.status).toBe(429);
    expect(fourth.headers["retry-after"]).toBe("1");
    expect((await requestFrom(port, { localAddress: BYSTANDER, host: "echo.localhost" })).status).toBe(200);
    upstream.releaseHeld();
    await Promise.all(held);
    expect((await requestFrom(port, { localAddress: ATTACKER, host: "echo.localhost" })).status).toBe(200);
  });

  // Hole 6: 130 slow uploads whose clients left kept every pooled upstream socket (128) of the instance.
  describe("slow uploads whose clients leave", () => {
    const upload = (port: number, headers = "") =>
      rawConnection(port, {
        text: `POST /upload HTTP/1.1\r\nHost: echo.localhost\r\nContent-Length: 10000000\r\n${headers}\r\n${"x".repeat(1000)}`,
      });

    it("free their upstream sockets when they leave mid-body, so the instance answers at once", async () => {
      const port = await startGateway({});
      const clients = Array.from({ length: 130 }, () => upload(port));
      await waitFor("pool full: 128 uploads upstream", () => (upstream.state.inFlight === 128 ? true : undefined));
      clients.forEach((c) => c.socket.destroy());
      await waitFor("upstream uploads ended", () => (upstream.state.inFlight === 0 ? true : undefined));
      expect((await requestFrom(port, { host: "echo.localhost", timeoutMs: 10_000 })).status).toBe(200);
    });

    it("are never proxied when they leave while a policy awaits (a slow API-key check)", async () => {
      const port = await startGateway({});
      let open!: () => void;
      authorizeGate = new Promise<void>((resolve) => (open = resolve));
      const before = authorizeCalls;
      const clients = Array.from({ length: 130 }, () => upload(port, `Authorization: ${KEY}\r\n`));
      await waitFor("130 key checks pending", () => (authorizeCalls - before === 130 ? true : undefined));
      clients.forEach((c) => c.socket.destroy());
      await Promise.all(clients.map((c) => c.closed));
      open();
      // Before the fix each left client still got a pooled upstream socket that waited forever for its body.
      expect((await requestFrom(port, { host: "echo.localhost", timeoutMs: 10_000 })).status).toBe(200);
    });
  });

  it("limits the request rate per client address per instance, with RateLimit-* and Retry-After", async () => {
    const port = await startGateway({ ratePerIp: 5 });
    const burst = await Promise.all(Array.from({ length: 20 }, () => requestFrom(port, { localAddress: ATTACKER, host: "echo.localhost" })));
    const limited = burst.filter((r) => r.status === 429);
    expect(limited.length).toBeGreaterThan(0);
    expect(burst.filter((r) => r.status === 200).length).toBeGreaterThan(0);
    const { headers, body } = limited[0]!;
    expect(headers["ratelimit-limit"]).toBe("5");
    expect(headers["ratelimit-remaining"]).toBe("0");
    expect(Number(headers["ratelimit-reset"])).toBeGreaterThanOrEqual(1);
    expect(headers["retry-after"]).toBe(headers["ratelimit-reset"]);
    expect(JSON.parse(body)).toMatchObject({ error: { code: "rate_limited" } });
    expect((await requestFrom(port, { localAddress: BYSTANDER, host: "echo.localhost" })).status).toBe(200);
  });

  it("limits the request rate per instance from all addresses", async () => {
    const port = await startGateway({ ratePerInstance: 5 });
    const burst = await Promise.all(Array.from({ length: 20 }, (_, i) => requestFrom(port, { localAddress: `127.0.0.${10 + i}`, host: "echo.localhost" })));
    const limited = burst.filter((r) => r.status === 429);
    expect(limited.length).toBeGreaterThan(0);
    expect(JSON.parse(limited[0]!.body).error.message).toMatch(/instance/);
    expect((await requestFrom(port, { localAddress: BYSTANDER, host: "other.localhost" })).status).toBe(200);
  });

  it("behind a trusted proxy, limits and PocketBase both see the forwarded client", async () => {
    const port = await startGateway({ ratePerIp: 3 }, 1);
    const from = (client: string) => requestFrom(port, { host: "echo.localhost", headers: { "x-forwarded-for": `6.6.6.6, ${client}` } });
    const burst = await Promise.all(Array.from({ length: 10 }, () => from("203.0.113.1")));
    expect(burst.some((r) => r.status === 429)).toBe(true);
    const other = await from("203.0.113.2");
    expect(other.status).toBe(200);
    expect(JSON.parse(other.body)).toEqual({ xff: "6.6.6.6, 203.0.113.2" });
  });
});

/** An open SSE response through the gateway (rejects on a non-200); destroy() ends it. */
function requestStream(port: number, sub: string): Promise<http.IncomingMessage> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: "127.0.0.1", port, path: "/sse", headers: { host: `${sub}.localhost`, accept: "text/event-stream" }, agent: false }, (res) => {
      if (res.statusCode === 200) resolve(res);
      else reject(new Error(`status ${res.statusCode}`));
    });
    req.on("error", reject);
  });
}

/** An open WebSocket through the gateway; rejects with the status of a refused upgrade. */
function openWebSocket(port: number, sub: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(`ws://127.0.0.1:${port}/socket`, { headers: { host: `${sub}.localhost` } });
    socket.once("open", () => resolve(socket));
    socket.once("unexpected-response", (_req, res) => reject(new Error(`upgrade refused: ${res.statusCode}`)));
    socket.once("error", reject);
  });
}
