import { describe, expect, it } from "vitest";
import { createApiKeySchema } from "./api-key";
import { changePasswordSchema, signupSchema } from "./auth";

describe("signupSchema", () => {
  it("lower-cases and trims the email", () => {
    expect(signupSchema.parse({ name: " Ann ", email: " Ann@Example.COM ", password: "12345678" })).toEqual({
      name: "Ann",
      email: "ann@example.com",
      password: "12345678",
    });
  });

  it.each([
    [{ name: "", email: "a@b.co", password: "12345678" }, "name", "Name is required."],
    [{ name: "A", email: "nope", password: "12345678" }, "email", "Enter a valid email address."],
    [{ name: "A", email: "a@b.co", password: "1234567" }, "password", "Password must be at least 8 characters."],
    [{ name: "A".repeat(101), email: "a@b.co", password: "12345678" }, "name", "Name must be at most 100 characters."],
    [{ email: "a@b.co", password: "12345678" }, "name", "Name is required."],
  ])("rejects %j on %s", (input, field, message) => {
    const result = signupSchema.safeParse(input);
    expect(result.success).toBe(false);
    expect(result.error?.issues.find((i) => i.path[0] === field)?.message).toBe(message);
  });
});

describe("changePasswordSchema", () => {
  it("requires a new password of 8+ characters that differs from the current one", () => {
    expect(changePasswordSchema.safeParse({ currentPassword: "old-pass", newPassword: "new-pass-1" }).success).toBe(true);
    expect(changePasswordSchema.safeParse({ currentPassword: "old-pass", newPassword: "short" }).success).toBe(false);
    const same = changePasswordSchema.safeParse({ currentPassword: "same-pass", newPassword: "same-pass" });
    expect(same.error?.issues[0]?.path).toEqual(["newPassword"]);
  });
});

describe("createApiKeySchema", () => {
  it("trims and bounds the name", () => {
    expect(createApiKeySchema.parse({ name: "  CI  " })).toEqual({ name: "CI" });
    expect(createApiKeySchema.safeParse({ name: "   " }).success).toBe(false);
    expect(createApiKeySchema.safeParse({ name: "x".repeat(65) }).success).toBe(false);
  });
});
