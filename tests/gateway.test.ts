import { randomBytes } from "node:crypto";
import fs from "node:fs";
import http from "node:http";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { execa, type ResultPromise } from "execa";
import getPort from "get-port";
import pino from "pino";
import type PocketBase from "pocketbase";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WebSocket, WebSocketServer } from "ws";
import { createGateway, type Gateway, type GatewayRouter } from "../orchestrator/gateway/create-gateway";
import { DEFAULT_GATEWAY_LIMITS } from "../orchestrator/gateway/default-limits";
import { createGatewayClient, type GatewayClient } from "./support/gateway-client";
import { tools } from "./support/tools";
import { waitFor } from "./support/wait";

const EMAIL = "root@example.com";
const PASSWORD = "gateway-test-password";

/** A real PocketBase process on a fixed port and data dir that can be stopped, killed and started again. */
function pocketBaseInstance(root: string, port: number) {
  let proc: ResultPromise | undefined;
  let ready = false;
  const dirArgs = ["--dir", path.join(root, "pb_data"), "--hooksDir", path.join(root, "pb_hooks"), "--migrationsDir", path.join(root, "pb_migrations")];
  return {
    port,
    /** True once healthy; stays true after kill() (the router does not notice a crash). */
    isRunning: () => ready,
    async start(): Promise<number> {
      proc = execa(tools.pocketbase, ["serve", "--http", `127.0.0.1:${port}`, ...dirArgs], { reject: false, stdio: "ignore" });
      await waitFor("PocketBase health", async () => ((await fetch(`http://127.0.0.1:${port}/api/health`)).ok ? true : undefined), { timeoutMs: 30_000 });
      ready = true;
      return port;
    },
    /** SIGKILL without telling the router: it keeps routing to the dead port. */
    async kill() {
      proc?.kill("SIGKILL");
      await proc;
    },
    async stop() {
      proc?.kill("SIGTERM");
      await proc;
      proc = undefined;
      ready = false;
    },
    superuserUpsert: () => execa(tools.pocketbase, ["superuser", "upsert", EMAIL, PASSWORD, ...dirArgs]),
  };
}

type Upstream = { id: string; isRunning(): boolean; start(): Promise<number>; port: number; host?: string };

/** The router the orchestrator will have, in miniature: fixed table, start deduplicated by a promise map. */
function createTestRouter(table: Record<string, Upstream>) {
  const byId = new Map(Object.values(table).map((u) => [u.id, u]));
  const starting = new Map<string, Promise<{ host: string; port: number }>>();
  const starts = new Map<string, number>();
  const activity = new Map<string, { request: number; open: number; close: number }>();
  const router: GatewayRouter = {
    resolve: async (sub) => table[sub]?.id ?? null,
    ensureRunning(id) {
      const upstream = byId.get(id);
      if (!upstream) return Promise.reject(new Error(`unknown id ${id}`));
      const host = upstream.host ?? "127.0.0.1";
      if (upstream.isRunning()) return Promise.resolve({ host, port: upstream.port });
      let pending = starting.get(id);
      if (!pending) {
        starts.set(id, (starts.get(id) ?? 0) + 1);
        pending = upstream.start().then((port) => ({ host, port }));
        pending.finally(() => starting.delete(id)).catch(() => undefined); // cleanup only; callers see the rejection
        starting.set(id, pending);
      }
      return pending;
    },
    activity(id, kind) {
      const counts = activity.get(id) ?? { request: 0, open: 0, close: 0 };
      counts[kind] += 1;
      activity.set(id, counts);
    },
  };
  return { router, starts: (id: string) => starts.get(id) ?? 0, activity: (id: string) => activity.get(id) };
}

/** An upstream that echoes request headers (`/body`: the body's size), plus an SSE route that records when its client went away. */
function startEchoServer() {
  const state = { sseClosed: false, floodBytes: 0 };
  const server = http.createServer((req, res) => {
    if (req.url === "/flood") {
      // An answer that never ends, written only as fast as it is read (up to 64 MB).
      res.writeHead(200, { "content-type": "application/octet-stream" });
      const chunk = Buffer.alloc(64 * 1024);
      const pump = () => {
        while (state.floodBytes < 64 * 1024 * 1024) {
          state.floodBytes += chunk.length;
          if (!res.write(chunk)) return void res.once("drain", pump);
        }
        res.end();
      };
      pump();
      return;
    }
    if (req.url === "/body") {
      let bytes = 0;
      req.on("data", (chunk: Buffer) => (bytes += chunk.length));
      req.on("end", () => res.end(JSON.stringify({ bytes, headers: req.headers })));
      return;
    }
    if (req.url === "/sse") {
      res.writeHead(200, { "content-type": "text/event-stream" });
      res.write("data: hello\n\n");
      res.on("close", () => (state.sseClosed = true));
      return;
    }
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify({ url: req.url, headers: req.headers }));
  });
  return { server, state };
}

const staticUpstream = (id: string, port: number, host?: string): Upstream => ({ id, port, host, isRunning: () => true, start: async () => port });

describe("gateway", () => {
  const logger = pino({ level: process.env.GATEWAY_TEST_LOG ?? "silent" });
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "picobase-gateway-"));
  let alpha: ReturnType<typeof pocketBaseInstance>;
  let echo: ReturnType<typeof startEchoServer>;
  let far: http.Server;
  let wss: WebSocketServer;
  let wsHeaders: http.IncomingHttpHeaders | undefined;
  let testRouter: ReturnType<typeof createTestRouter>;
  let gateway: Gateway;
  let impatientGateway: Gateway;
  let client: GatewayClient;
  let gatewayPort: number;
  let impatientPort: number;
  let pb: PocketBase;

  beforeAll(async () => {
    alpha = pocketBaseInstance(tmp, await getPort());
    await alpha.superuserUpsert();
    await alpha.start();
    echo = startEchoServer();
    await new Promise<void>((r) => echo.server.listen(0, "127.0.0.1", r));
    const echoPort = (echo.server.address() as { port: number }).port;
    // A tenant on its own address (as in a network namespace), not 127.0.0.1: the rest of 127/8 is loopback too.
    far = http.createServer((req, res) => res.end(JSON.stringify({ servedOn: req.socket.localAddress })));
    await new Promise<void>((r) => far.listen(0, "127.0.0.2", r));
    const wsPort = await getPort();
    wss = new WebSocketServer({ host: "127.0.0.1", port: wsPort });
    wss.on("connection", (socket, req) => {
      wsHeaders = req.headers;
      socket.on("message", (data, isBinary) => socket.send(data, { binary: isBinary }));
    });
    testRouter = createTestRouter({
      alpha: { id: "inst-alpha", port: alpha.port, isRunning: alpha.isRunning, start: alpha.start },
      echo: staticUpstream("inst-echo", echoPort),
      ws: staticUpstream("inst-ws", wsPort),
      far: staticUpstream("inst-far", (far.address() as { port: number }).port, "127.0.0.2"),
      slow: { id: "inst-slow", port: 1, isRunning: () => false, start: () => new Promise<number>(() => undefined) },
      broken: { id: "inst-broken", port: 1, isRunning: () => false, start: () => Promise.reject(new Error("binary missing")) },
    });
    const config = { host: "127.0.0.1", port: 0, baseDomain: "localhost", trustedProxyHops: 0, peerKey: "test", limits: DEFAULT_GATEWAY_LIMITS };
    gateway = createGateway({ config: { ...config, wakeTimeoutMs: 30_000 }, log: logger, router: testRouter.router });
    impatientGateway = createGateway({ config: { ...config, wakeTimeoutMs: 300 }, log: logger, router: testRouter.router });
    gatewayPort = (await gateway.listen()).port;
    impatientPort = (await impatientGateway.listen()).port;
    client = createGatewayClient({ port: gatewayPort });
    pb = client.pocketBase("alpha");
    await pb.collection("_superusers").authWithPassword(EMAIL, PASSWORD);
    await pb.collections.create({ name: "posts", type: "base", fields: [{ name: "title", type: "text" }] });
  });

  afterAll(async () => {
    await client?.close();
    await gateway?.close();
    await impatientGateway?.close();
    await alpha?.stop();
    await new Promise((r) => echo?.server.close(r));
    await new Promise((r) => far?.close(r));
    await new Promise((r) => wss?.close(r));
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it("routes by subdomain: SDK auth, collection and records through the gateway", async () => {
    const notes = await pb.collections.create({ name: "notes", type: "base", fields: [{ name: "body", type: "text" }] });
    expect(notes.name).toBe("notes");
    await pb.collection("notes").create({ body: "first" });
    await pb.collection("notes").create({ body: "second" });
    const list = await pb.collection("notes").getList(1, 10, { sort: "body" });
    expect(list.items.map((r) => r.body)).toEqual(["first", "second"]);
    expect(testRouter.activity("inst-alpha")?.request).toBeGreaterThan(0);
  });

  it("answers 404 JSON for unknown subdomains and non-instance hosts, 200 on its health endpoint", async () => {
    const unknown = await client.fetch(client.url("nope", "/api/health"));
    expect(unknown.status).toBe(404);
    const body = (await unknown.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe("not_found");
    expect(body.error.message).toContain("nope");
    for (const target of [`http://localhost:${gatewayPort}/api/health`, `http://127.0.0.1:${gatewayPort}/api/health`, client.url("a.alpha", "/api/health")]) {
      const res = await client.fetch(target);
      expect(res.status, target).toBe(404);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe("not_found");
    }
    const health = await fetch(`http://127.0.0.1:${gatewayPort}/_picobase/health`);
    expect(health.status).toBe(200);
    expect((await client.fetch(client.url("nope", "/_picobase/health"))).status).toBe(200);
  });

  it("streams realtime events (SDK subscribe over SSE) and counts the stream as open, then closed", async () => {
    const restore = client.installEventSource();
    try {
      const events: Array<[string, string]> = [];
      const unsubscribe = await pb.collection("posts").subscribe("*", (e) => events.push([e.action, e.record.id]));
      const created = await pb.collection("posts").create({ title: "live" });
      await pb.collection("posts").update(created.id, { title: "live, edited" });
      await pb.collection("posts").delete(created.id);
      await waitFor("three realtime events", () => (events.length >= 3 ? true : undefined));
      expect(events).toEqual([
        ["create", created.id],
        ["update", created.id],
        ["delete", created.id],
      ]);
      expect(testRouter.activity("inst-alpha")?.open).toBeGreaterThan(0);
      await unsubscribe();
      await waitFor("stream close counted", () => {
        const counts = testRouter.activity("inst-alpha");
        return counts && counts.open === counts.close ? true : undefined;
      });
    } finally {
      restore();
    }
  });

  it("closes the upstream stream when the client of an SSE response goes away", async () => {
    const abort = new AbortController();
    const res = await client.fetch(client.url("echo", "/sse"), { headers: { accept: "text/event-stream" }, signal: abort.signal });
    const reader = res.body!.getReader();
    const first = await reader.read();
    expect(new TextDecoder().decode(first.value)).toContain("hello");
    abort.abort();
    await waitFor("upstream saw the client leave", () => (echo.state.sseClosed ? true : undefined));
  });

  it("uploads a 5 MB file through the gateway and downloads it back identical", async () => {
    await pb.collections.create({
      name: "files",
      type: "base",
      viewRule: "",
      fields: [{ name: "doc", type: "file", maxSelect: 1, maxSize: 10 * 1024 * 1024 }],
    });
    const bytes = randomBytes(5 * 1024 * 1024);
    const form = new FormData();
    form.append("doc", new Blob([bytes]), "payload.bin");
    const record = await pb.collection("files").create(form);
    const download = await client.fetch(pb.files.getURL(record, record.doc as string));
    expect(download.status).toBe(200);
    expect(Buffer.from(await download.arrayBuffer()).equals(bytes)).toBe(true);
  });

  it("streams a chunked request body with Expect: 100-continue through", async () => {
    const answer = await new Promise<{ bytes: number; headers: http.IncomingHttpHeaders }>((resolve, reject) => {
      const req = http.request({
        host: "127.0.0.1",
        port: gatewayPort,
        method: "POST",
        path: "/body",
        headers: { host: `echo.localhost:${gatewayPort}`, expect: "100-continue", "transfer-encoding": "chunked" },
      });
      req.on("continue", () => {
        for (let i = 0; i < 64; i++) req.write(Buffer.alloc(1024, i));
        req.end();
      });
      req.on("response", (res) => {
        let body = "";
        res.on("data", (chunk: Buffer) => (body += chunk.toString()));
        res.on("end", () => resolve(JSON.parse(body) as { bytes: number; headers: http.IncomingHttpHeaders }));
      });
      req.on("error", reject);
    });
    expect(answer.bytes).toBe(64 * 1024);
    expect(answer.headers["transfer-encoding"]).toBe("chunked");
    expect(answer.headers.expect).toBeUndefined();
  });

  it("sets X-Forwarded-* so the right-most X-Forwarded-For entry is the real client", async () => {
    const res = await client.fetch(client.url("echo", "/headers?x=1"), { headers: { "x-forwarded-for": "203.0.113.9", "x-forwarded-host": "evil.test" } });
    const { url, headers } = (await res.json()) as { url: string; headers: Record<string, string> };
    expect(url).toBe("/headers?x=1");
    expect(headers["x-forwarded-for"]).toBe("203.0.113.9, 127.0.0.1");
    expect(headers["x-forwarded-proto"]).toBe("http");
    expect(headers["x-forwarded-host"]).toBe(`echo.localhost:${gatewayPort}`);
    expect(headers.host).toBe(`echo.localhost:${gatewayPort}`);
  });

  it("trusts a client address forwarded by another node only with the node key, and never shows a tenant the node headers", async () => {
    const forged = { "x-picobase-node-auth": "not-the-key", "x-picobase-client-ip": "203.0.113.7", "x-picobase-hops": "1" };
    const spoofed = (await (await client.fetch(client.url("echo", "/headers"), { headers: forged })).json()) as { headers: Record<string, string> };
    expect(spoofed.headers["x-forwarded-for"]).toBe("127.0.0.1"); // the socket's address, not the forged one
    expect(Object.keys(spoofed.headers).filter((h) => h.startsWith("x-picobase-"))).toEqual([]);

    const vouched = { ...forged, "x-picobase-node-auth": "test" }; // this gateway's node key (config.peerKey)
    const peer = (await (await client.fetch(client.url("echo", "/headers"), { headers: vouched })).json()) as { headers: Record<string, string> };
    expect(peer.headers["x-forwarded-for"]).toBe("203.0.113.7");
    expect(Object.keys(peer.headers).filter((h) => h.startsWith("x-picobase-"))).toEqual([]);
  });

  it("proxies to the address the router gives, not only 127.0.0.1", async () => {
    const res = await client.fetch(client.url("far", "/where"));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ servedOn: "127.0.0.2" });
  });

  it("passes WebSocket upgrades through", async () => {
    const socket = new WebSocket(`ws://127.0.0.1:${gatewayPort}/socket`, { headers: { host: `ws.localhost:${gatewayPort}` } });
    const reply = await new Promise<string>((resolve, reject) => {
      socket.once("open", () => socket.send("ping through the gateway"));
      socket.once("message", (data) => resolve(data.toString()));
      socket.once("error", reject);
    });
    socket.close();
    expect(reply).toBe("ping through the gateway");
    expect(wsHeaders?.["x-forwarded-for"]).toBe("127.0.0.1");
    await waitFor("ws close counted", () => {
      const counts = testRouter.activity("inst-ws");
      return counts && counts.open === 1 && counts.close === 1 ? true : undefined;
    });
  });

  it("closes the instance's WebSocket when the client's connection is cut", async () => {
    const serverClosed = new Promise<void>((resolve) => wss.once("connection", (socket) => socket.once("close", () => resolve())));
    const socket = new WebSocket(`ws://127.0.0.1:${gatewayPort}/socket`, { headers: { host: `ws.localhost:${gatewayPort}` } });
    await new Promise((resolve, reject) => socket.once("open", resolve).once("error", reject));
    // A reset, not a FIN: a pipe would pass a clean end on by itself, but not a vanished client.
    (socket as unknown as { _socket: import("node:net").Socket })._socket.resetAndDestroy();
    await serverClosed;
  });

  it("relays an instance's refusal of a WebSocket upgrade, then closes the connection", async () => {
    const socket = new WebSocket(`ws://127.0.0.1:${gatewayPort}/not-a-socket`, { headers: { host: `echo.localhost:${gatewayPort}` } });
    const refusal = await new Promise<{ status: number | undefined; body: string }>((resolve, reject) => {
      socket.once("unexpected-response", (_req, res) => {
        let body = "";
        res.on("data", (chunk: Buffer) => (body += chunk.toString()));
        res.on("end", () => resolve({ status: res.statusCode, body }));
      });
      socket.once("open", () => reject(new Error("the upgrade should have been refused")));
    });
    expect(refusal.status).toBe(200);
    expect(JSON.parse(refusal.body)).toMatchObject({ url: "/not-a-socket" });
  });

  // A tenant that refuses an upgrade with an endless answer, to a client that does not read, must
  // not make the gateway buffer it all (the orchestrator's memory): the answer is relayed only as
  // fast as the client takes it.
  it("relays a refused upgrade's answer with backpressure", async () => {
    const client = net.connect(gatewayPort, "127.0.0.1");
    client.pause(); // never reads
    client.write(
      `GET /flood HTTP/1.1\r\nHost: echo.localhost:${gatewayPort}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n` +
        "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n",
    );
    await waitFor("the instance started its answer", () => (echo.state.floodBytes > 0 ? true : undefined));
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(echo.state.floodBytes).toBeLessThan(16 * 1024 * 1024);
    client.destroy();
  });

  it("answers 503 with Retry-After when a wake times out, and 503 when the start fails", async () => {
    const impatient = createGatewayClient({ port: impatientPort });
    try {
      const slow = await impatient.fetch(impatient.url("slow", "/api/health"));
      expect(slow.status).toBe(503);
      expect(slow.headers.get("retry-after")).toBe("5");
      expect(((await slow.json()) as { error: { code: string } }).error.code).toBe("unavailable");
      const broken = await impatient.fetch(impatient.url("broken", "/api/health"));
      expect(broken.status).toBe(503);
      expect(((await broken.json()) as { error: { message: string } }).error.message).toContain("could not be started");
    } finally {
      await impatient.close();
    }
  });

  it("answers 502 JSON when the instance process died, and keeps serving others", async () => {
    await alpha.kill();
    const res = await client.fetch(client.url("alpha", "/api/health"));
    expect(res.status).toBe(502);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("bad_gateway");
    expect((await client.fetch(client.url("echo", "/after"))).status).toBe(200);
    expect((await client.fetch(client.url("alpha", "/_picobase/health"))).status).toBe(200);
  });

  it("wakes a stopped instance once for 20 concurrent requests, without losing request bodies", async () => {
    await alpha.stop();
    const startsBefore = testRouter.starts("inst-alpha");
    const headers = { authorization: pb.authStore.token, "content-type": "application/json" };
    const recordsUrl = client.url("alpha", "/api/collections/posts/records");
    const responses = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        i % 2 === 0
          ? client.fetch(recordsUrl, { method: "POST", headers, body: JSON.stringify({ title: `wake-${i}` }) })
          : client.fetch(recordsUrl, { headers }),
      ),
    );
    expect(responses.map((r) => r.status)).toEqual(Array.from({ length: 20 }, () => 200));
    expect(testRouter.starts("inst-alpha")).toBe(startsBefore + 1);
    const created = await pb.collection("posts").getFullList({ filter: 'title ~ "wake-"' });
    expect(created.map((r) => r.title).sort()).toEqual(Array.from({ length: 10 }, (_, i) => `wake-${i * 2}`).sort());
  });

  it("close() ends open streams instead of waiting for them", async () => {
    const impatient = createGatewayClient({ port: impatientPort });
    try {
      const res = await impatient.fetch(impatient.url("echo", "/sse"), { headers: { accept: "text/event-stream" } });
      const reader = res.body!.getReader();
      expect(new TextDecoder().decode((await reader.read()).value)).toContain("hello");
      await impatientGateway.close();
      await expect(reader.read()).rejects.toThrow();
      expect((await fetch(`http://127.0.0.1:${impatientPort}/_picobase/health`).catch((err: unknown) => err)) instanceof Error).toBe(true);
    } finally {
      await impatient.close();
    }
  });
});
