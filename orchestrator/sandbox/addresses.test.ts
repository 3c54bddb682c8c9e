import { describe, expect, it } from "vitest";
import { createSlotPool, parseCidr, slotAddresses, slotCount } from "./addresses";

describe("tenant addresses", () => {
  it("numbers /30s from the subnet", () => {
    expect(slotAddresses("10.201.0.0/16", 0)).toEqual({ slot: 0, hostIp: "10.201.0.1", tenantIp: "10.201.0.2", prefix: 30 });
    expect(slotAddresses("10.201.0.0/16", 64)).toMatchObject({ hostIp: "10.201.1.1", tenantIp: "10.201.1.2" });
    expect(slotCount("10.201.0.0/16")).toBe(16384);
  });

  it("aligns the base and rejects bad input", () => {
    expect(parseCidr("10.201.7.9/16").base).toBe(parseCidr("10.201.0.0/16").base);
    expect(() => parseCidr("10.201.0.0")).toThrow(/CIDR/);
    expect(() => parseCidr("300.0.0.0/16")).toThrow(/unusable/);
    expect(() => slotAddresses("10.201.0.0/29", 2)).toThrow(/outside/);
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
