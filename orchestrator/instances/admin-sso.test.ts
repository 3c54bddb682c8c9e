import { describe, expect, it } from "vitest";
import { createAdminSso } from "./admin-sso";

describe("createAdminSso", () => {
  it("redeems a code once, for its own instance, before it expires", () => {
    let t = 0;
    const sso = createAdminSso({ ttlMs: 1000, now: () => t });
    const a = sso.issue("i1");
    expect(sso.redeem(a, "i1")).toBe(true);
    expect(sso.redeem(a, "i1")).toBe(false);
    const b = sso.issue("i1");
    expect(sso.redeem(b, "i2")).toBe(false);
    expect(sso.redeem(b, "i1")).toBe(false); // burnt by the wrong-instance attempt
    const c = sso.issue("i1");
    t = 1000;
    expect(sso.redeem(c, "i1")).toBe(false);
  });
});
