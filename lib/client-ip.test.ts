import { describe, expect, it } from "vitest";
import { clientIp, normalizeIp } from "./client-ip";

describe("clientIp", () => {
  it.each([
    // [peer, X-Forwarded-For, trusted hops, expected]
    ["10.0.0.9", "6.6.6.6", 0, "10.0.0.9"], // no trusted proxy: a forged header changes nothing
    ["::ffff:127.0.0.1", undefined, 0, "127.0.0.1"],
    ["10.0.0.9", "6.6.6.6, 1.2.3.4", 1, "1.2.3.4"], // one proxy appended the real client
    ["10.0.0.9", "6.6.6.6, 1.2.3.4, 10.0.0.8", 2, "1.2.3.4"],
    ["10.0.0.9", ["6.6.6.6", "1.2.3.4"], 1, "1.2.3.4"],
    ["10.0.0.9", "1.2.3.4", 3, "1.2.3.4"], // fewer entries than hops
    ["10.0.0.9", "", 1, "10.0.0.9"],
    [undefined, undefined, 0, "unknown"],
  ] as const)("peer %s, XFF %j, %i hops → %s", (peer, xff, hops, expected) => {
    expect(clientIp(peer, xff as string | string[] | undefined, hops)).toBe(expected);
  });

  it("normalizes mapped addresses and blanks", () => {
    expect(normalizeIp(" ::FFFF:1.2.3.4 ")).toBe("1.2.3.4");
    expect(normalizeIp("::1")).toBe("::1");
    expect(normalizeIp("  ")).toBeUndefined();
  });
});
