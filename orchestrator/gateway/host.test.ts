import { describe, expect, it } from "vitest";
import { createHostParser, hostName } from "./host";

describe("createHostParser", () => {
  const cases: Array<[base: string, host: string | undefined, expected: string | null]> = [
    ["localhost", "alpha.localhost", "alpha"],
    ["localhost", "alpha.localhost:8080", "alpha"],
    ["localhost", "ALPHA.LocalHost:8080", "alpha"],
    ["picobase.example.com", "my-app.picobase.example.com", "my-app"],
    ["PicoBase.Example.com", "app1.picobase.example.com", "app1"],
    ["picobase.example.com", "app1.picobase.example.com.", "app1"],
    ["picobase.example.com.", "app1.picobase.example.com:443", "app1"],
    ["picobase.example.com", "a.picobase.example.com", "a"],
    // bare base domain, nested labels, foreign domains
    ["picobase.example.com", "picobase.example.com", null],
    ["picobase.example.com", "picobase.example.com:80", null],
    ["picobase.example.com", ".picobase.example.com", null],
    ["picobase.example.com", "a.b.picobase.example.com", null],
    ["picobase.example.com", "app.example.com", null],
    ["picobase.example.com", "app.evilpicobase.example.com", null],
    ["picobase.example.com", "app.picobase.example.com.evil.net", null],
    ["localhost", "localhost:8080", null],
    // IP literals
    ["localhost", "127.0.0.1", null],
    ["localhost", "127.0.0.1:8080", null],
    ["localhost", "[::1]:8080", null],
    ["localhost", "[::1]", null],
    // malformed labels and ports
    ["localhost", "-app.localhost", null],
    ["localhost", "app-.localhost", null],
    ["localhost", "ap_p.localhost", null],
    ["localhost", "app.localhost:", null],
    ["localhost", "app.localhost:80x", null],
    ["localhost", `${"a".repeat(64)}.localhost`, null],
    ["localhost", `${"a".repeat(63)}.localhost`, "a".repeat(63)],
    ["localhost", "", null],
    ["localhost", undefined, null],
  ];

  it.each(cases)("base %s, host %s → %s", (base, host, expected) => {
    expect(createHostParser(base)(host)).toBe(expected);
  });
});

describe("hostName", () => {
  it.each([
    ["api.example.com", "api.example.com"],
    ["API.Example.COM:8443", "api.example.com"],
    ["api.example.com.", "api.example.com"],
    ["api.example.com.:443", "api.example.com"],
    ["xn--bcher-kva.example", "xn--bcher-kva.example"],
  ])("%s → %s", (host, expected) => expect(hostName(host)).toBe(expected));

  it.each([
    undefined,
    "",
    "[::1]:8080",
    "api.example.com:",
    "api.example.com:x",
    "a..b",
    "-a.example.com",
    "a_b.example.com",
    `${"a".repeat(64)}.com`,
    "x".repeat(300),
  ])("refuses %s", (host) => expect(hostName(host)).toBeNull());
});
