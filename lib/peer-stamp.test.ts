import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { installPeerStamp, PEER_HEADER, stampedPeer } from "./peer-stamp";

let server: http.Server;
let url = "";

beforeAll(async () => {
  installPeerStamp();
  installPeerStamp(); // idempotent: one subscription
  // Echoes the stamp header it received and what stampedPeer makes of it.
  server = http.createServer((req, res) => {
    const value = req.headers[PEER_HEADER] as string | undefined;
    res.end(JSON.stringify({ value, peer: stampedPeer(value) ?? null, socket: req.socket.remoteAddress }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe("peer stamp", () => {
  it("stamps the socket's address, overwriting a value the client sent", async () => {
    const res = (await (await fetch(url, { headers: { [PEER_HEADER]: "6.6.6.6" } })).json()) as { value: string; peer: string; socket: string };
    expect(res.peer).toBe(res.socket);
    expect(res.value).not.toContain("6.6.6.6");
    expect(res.value.split(" ")).toHaveLength(2);
  });

  it("does not accept a value without this process's token", () => {
    expect(stampedPeer("6.6.6.6")).toBeUndefined();
    expect(stampedPeer("0123456789abcdef0123456789abcdef 6.6.6.6")).toBeUndefined();
    expect(stampedPeer(undefined)).toBeUndefined();
  });
});
