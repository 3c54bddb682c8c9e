import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { hashLinkToken, linkState, mailLink, newLinkToken } from "./links";

describe("link tokens", () => {
  it("are 43 random base64url characters, stored as their SHA-256", () => {
    const a = newLinkToken();
    const b = newLinkToken();
    expect(a.secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(a.secret).not.toBe(b.secret);
    expect(a.hash).toBe(createHash("sha256").update(a.secret).digest("hex"));
    expect(hashLinkToken(a.secret)).toBe(a.hash);
    expect(a.hash).not.toContain(a.secret);
  });

  it("are used, expired or valid", () => {
    const now = new Date("2030-01-01T12:00:00Z");
    expect(linkState({ expiresAt: new Date("2030-01-01T13:00:00Z"), usedAt: null }, now)).toBe("valid");
    expect(linkState({ expiresAt: now, usedAt: null }, now)).toBe("expired");
    expect(linkState({ expiresAt: new Date("2030-01-01T13:00:00Z"), usedAt: now }, now)).toBe("used");
  });
});

describe("mailLink", () => {
  it("puts the secret on the configured origin's page", () => {
    expect(mailLink("https://app.example.com", "/reset-password", "abc_-1")).toBe("https://app.example.com/reset-password?token=abc_-1");
    expect(mailLink("http://localhost:3000/", "/verify-email", "x")).toBe("http://localhost:3000/verify-email?token=x");
  });
});
