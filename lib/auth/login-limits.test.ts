import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { addressFailureLimit, backoffSeconds, createLoginLimits, freeFailures } from "./login-limits";

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

async function fail(limits: ReturnType<typeof createLoginLimits>, times: number, email = "a@x.io", ip = "1.1.1.1") {
  for (let i = 0; i < times; i++) await limits.failed(email, ip);
}

describe("backoffSeconds", () => {
  it.each([
    [0, 60],
    [1, 120],
    [2, 240],
    [3, 480],
    [4, 900],
    [10, 900],
  ])("after the free failures, failure #%i waits %i s", (n, seconds) => expect(backoffSeconds(n)).toBe(seconds));
});

describe("createLoginLimits", () => {
  it("lets the free failures through, then waits, doubling with each further failure", async () => {
    const limits = createLoginLimits();
    await fail(limits, freeFailures - 1);
    expect(await limits.waitMs("a@x.io", "1.1.1.1")).toBe(0);
    await fail(limits, 1);
    expect(await limits.waitMs("a@x.io", "1.1.1.1")).toBe(60_000);
    vi.advanceTimersByTime(60_000);
    expect(await limits.waitMs("a@x.io", "1.1.1.1")).toBe(0);
    await fail(limits, 1); // one more failure after the wait: twice as long
    expect(await limits.waitMs("a@x.io", "1.1.1.1")).toBe(120_000);
  });

  it("keys by email and address: other addresses and other emails are unaffected", async () => {
    const limits = createLoginLimits();
    await fail(limits, freeFailures);
    expect(await limits.waitMs("a@x.io", "1.1.1.1")).toBeGreaterThan(0);
    expect(await limits.waitMs("a@x.io", "2.2.2.2")).toBe(0);
    expect(await limits.waitMs("b@x.io", "1.1.1.1")).toBe(0);
  });

  it("forgets the backoff after a success", async () => {
    const limits = createLoginLimits();
    await fail(limits, freeFailures);
    await limits.succeeded("a@x.io", "1.1.1.1");
    expect(await limits.waitMs("a@x.io", "1.1.1.1")).toBe(0);
    await fail(limits, freeFailures - 1);
    expect(await limits.waitMs("a@x.io", "1.1.1.1")).toBe(0);
  });

  it("counts failed account-token checks against the same per-address budget as sign-ins", async () => {
    const limits = createLoginLimits();
    for (let i = 0; i < addressFailureLimit - 1; i++) await limits.addressFailed("5.5.5.5");
    expect(await limits.addressWaitMs("5.5.5.5")).toBe(0);
    await limits.failed("a@x.io", "5.5.5.5");
    expect(await limits.addressWaitMs("5.5.5.5")).toBeGreaterThan(0);
    expect(await limits.waitMs("b@x.io", "5.5.5.5")).toBeGreaterThan(0);
    expect(await limits.addressWaitMs("6.6.6.6")).toBe(0);
  });

  it("caps failures per address across emails", async () => {
    const limits = createLoginLimits();
    for (let i = 0; i < addressFailureLimit; i++) await limits.failed(`user${i}@x.io`, "3.3.3.3");
    expect(await limits.waitMs("someone@x.io", "3.3.3.3")).toBeGreaterThan(0);
    expect(await limits.waitMs("someone@x.io", "4.4.4.4")).toBe(0);
  });
});
