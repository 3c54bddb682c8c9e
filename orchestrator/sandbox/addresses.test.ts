import { describe, expect, it } from "vitest";
import { createSlotPool, parseCidr, routesInside, slotAddresses, slotCount, subnetConflicts } from "./addresses";

describe("tenant addresses", () => {
  it("numbers /30s from the subnet", () => {
    expect(slotAddresses("10.201.0.0/16", 0)).toEqual({ slot: 0, hostIp: "10.201.0.1", tenantIp: "10.201.0.2", prefix: 30 });
    expect(slotAddresses("10.201.0.0/16", 64)).toMatchObject({ hostIp: "10.201.1.1", tenantIp: "10.201.1.2" });
    expect(slotCount("10.201.0.0/16")).toBe(16384);
  });

  it("aligns the base and rejects bad input", () => {
    expect(parseCidr("10.201.7.9/16").base).toBe(parseCidr("10.201.0.0/16").base);
    expect(() => parseCidr("10.201.0.0")).toThrow(/CIDR/);
    expect(() => parseCidr("300.0.0.0/16")).toThrow(/not an IPv4 CIDR/);
    expect(() => parseCidr("10.0.0.0/31")).toThrow(/unusable/);
    expect(() => slotAddresses("10.201.0.0/29", 2)).toThrow(/outside/);
  });

  it("finds the host routes a tenant subnet would collide with, not the broader ones", () => {
    const routes = [
      { dst: "default", dev: "eth0" },
      { dst: "10.0.0.0/8", dev: "vpn0" }, // broader: a tenant's /30 is more specific
      { dst: "10.228.16.0/30", dev: "pb25340" }, // another orchestrator's tenant
      { dst: "10.228.31.255", dev: "tun0" }, // a host route, last address of the /20
      { dst: "10.228.32.0/30", dev: "pb25341" }, // just past it
      { dst: "10.228.16.0/20", dev: "br0" }, // the very same range
      { dst: "fe80::/64" },
    ];
    expect(routesInside("10.228.16.0/20", routes).map((r) => r.dev)).toEqual(["pb25340", "tun0", "br0"]);
    expect(routesInside("10.229.0.0/20", routes)).toEqual([]);
  });

  it("does not count its own interfaces or ones the host no longer has as taking the subnet", () => {
    const routes = [
      { dst: "10.228.16.0/30", dev: "pbab12cd0" }, // ours, left by a killed run
      { dst: "10.228.16.4/30", dev: "if8453" }, // a veth being torn down with its namespace
      { dst: "10.228.16.8/30", dev: "pb25340" }, // another orchestrator's tenant
      { dst: "10.228.16.12/30" }, // no device: a route via a gateway
    ];
    const devices = new Set(["eth0", "pbab12cd0", "pb25340"]);
    expect(subnetConflicts("10.228.16.0/20", routes, { ifacePrefix: "pbab12cd", devices }).map((r) => r.dst)).toEqual(["10.228.16.8/30", "10.228.16.12/30"]);
  });

  it("reuses released slots last", () => {
    const pool = createSlotPool(3);
    expect([pool.acquire(), pool.acquire(), pool.acquire()]).toEqual([0, 1, 2]);
    expect(() => pool.acquire()).toThrow(/no free tenant network slot/);
    pool.release(1);
    pool.release(0);
    expect([pool.acquire(), pool.acquire()]).toEqual([1, 0]);
  });
});
