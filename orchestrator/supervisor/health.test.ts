import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { waitForReady } from "./health";
import type { ChildExit } from "./spawn";

const never = new Promise<ChildExit>(() => undefined);

describe("waitForReady", () => {
  let server: http.Server | undefined;
  afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

  /** A port that refuses connections until `open()` starts a health endpoint on it. */
  async function laterServer() {
    const probe = http.createServer();
    await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
    const { port } = probe.address() as AddressInfo;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    return {
      url: `http://127.0.0.1:${port}`,
      open: () =>
        new Promise<void>((resolve) => {
          server = http.createServer((req, res) => res.writeHead(req.url === "/api/health" ? 200 : 404).end()).listen(port, "127.0.0.1", resolve);
        }),
    };
  }

  it("checks at once when the process announces it listens, instead of waiting out the interval", async () => {
    const later = await laterServer();
    let announce: () => void = () => undefined;
    const announced = new Promise<void>((resolve) => (announce = resolve));
    setTimeout(() => void later.open().then(announce), 100);
    const t0 = Date.now();
    expect(await waitForReady(later.url, never, 20_000, announced, 10_000)).toEqual({ kind: "healthy" });
    expect(Date.now() - t0).toBeLessThan(5_000); // the 10 s interval was cut short
  });

  it("keeps polling on its interval without an announcement, and reports an exit or a timeout", async () => {
    const later = await laterServer();
    setTimeout(() => void later.open(), 100);
    expect(await waitForReady(later.url, never, 20_000, undefined, 20)).toEqual({ kind: "healthy" });

    const exit = { exitCode: 1, signal: null };
    expect(await waitForReady("http://127.0.0.1:9", Promise.resolve(exit), 5_000)).toEqual({ kind: "exited", exit });
    expect(await waitForReady("http://127.0.0.1:9", never, 200)).toEqual({ kind: "timeout" });
  });

  it("sleeps its interval again after an announcement that was not true yet", async () => {
    let ready = false;
    let tries = 0;
    server = http.createServer((_req, res) => void (tries++, res.writeHead(ready ? 200 : 503).end()));
    await new Promise<void>((resolve) => server!.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    setTimeout(() => (ready = true), 300);
    // Announced before it is ready (a tenant prints what it likes): one early try, then the interval again.
    expect(await waitForReady(url, never, 20_000, Promise.resolve(), 50)).toEqual({ kind: "healthy" });
    expect(tries).toBeGreaterThanOrEqual(3);
    expect(tries).toBeLessThan(30); // about 300 ms / 50 ms, not a busy loop
  });
});
