import type { IncomingHttpHeaders } from "node:http";
import { describe, expect, it } from "vitest";
import { clientIp } from "../../lib/client-ip";
import { setForwardedHeaders } from "./forwarded";

describe("setForwardedHeaders (with lib/client-ip.ts deciding the client)", () => {
  const cases: Array<{
    name: string;
    headers: IncomingHttpHeaders;
    remote: string | undefined;
    hops?: number;
    expected: Pick<IncomingHttpHeaders, "x-forwarded-for" | "x-forwarded-proto" | "x-forwarded-host">;
  }> = [
    {
      name: "fresh request",
      headers: { host: "app.example.com" },
      remote: "::ffff:198.51.100.4",
      expected: { "x-forwarded-for": "198.51.100.4", "x-forwarded-proto": "http", "x-forwarded-host": "app.example.com" },
    },
    {
      name: "appends to a client chain so the right-most entry is the peer",
      headers: { host: "app.example.com", "x-forwarded-for": "10.0.0.1, 10.0.0.2" },
      remote: "198.51.100.4",
      expected: {
        "x-forwarded-for": "10.0.0.1, 10.0.0.2, 198.51.100.4",
        "x-forwarded-proto": "http",
        "x-forwarded-host": "app.example.com",
      },
    },
    {
      name: "keeps https from a TLS terminator, overwrites a forged host",
      headers: { host: "app.example.com", "x-forwarded-proto": "HTTPS", "x-forwarded-host": "evil.test" },
      remote: "127.0.0.1",
      expected: { "x-forwarded-for": "127.0.0.1", "x-forwarded-proto": "https", "x-forwarded-host": "app.example.com" },
    },
    {
      name: "rejects junk proto, drops the chain when the peer is unknown",
      headers: { host: "app.example.com", "x-forwarded-proto": "gopher", "x-forwarded-for": "1.2.3.4" },
      remote: undefined,
      expected: { "x-forwarded-for": undefined, "x-forwarded-proto": "http", "x-forwarded-host": "app.example.com" },
    },
    {
      name: "one trusted proxy: its entry names the client, the proxy's own address is not appended",
      headers: { host: "app.example.com", "x-forwarded-for": "6.6.6.6, 203.0.113.7", "x-forwarded-proto": "https" },
      remote: "10.0.0.9",
      hops: 1,
      expected: { "x-forwarded-for": "6.6.6.6, 203.0.113.7", "x-forwarded-proto": "https", "x-forwarded-host": "app.example.com" },
    },
    {
      name: "two trusted proxies: the inner proxy's entry is dropped, the client stays right-most",
      headers: { host: "app.example.com", "x-forwarded-for": "203.0.113.7, 10.0.0.5" },
      remote: "10.0.0.9",
      hops: 2,
      expected: { "x-forwarded-for": "203.0.113.7", "x-forwarded-proto": "http", "x-forwarded-host": "app.example.com" },
    },
    {
      name: "trusted proxy expected but no header: the peer is the client",
      headers: { host: "app.example.com" },
      remote: "10.0.0.9",
      hops: 1,
      expected: { "x-forwarded-for": "10.0.0.9", "x-forwarded-proto": "http", "x-forwarded-host": "app.example.com" },
    },
  ];

  it.each(cases)("$name", ({ headers, remote, hops = 0, expected }) => {
    const copy = { ...headers };
    setForwardedHeaders(copy, clientIp(remote, copy["x-forwarded-for"], hops), hops);
    expect({
      "x-forwarded-for": copy["x-forwarded-for"],
      "x-forwarded-proto": copy["x-forwarded-proto"],
      "x-forwarded-host": copy["x-forwarded-host"],
    }).toEqual(expected);
  });
});
