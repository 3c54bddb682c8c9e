import { describe, expect, it, vi } from "vitest";
import { ForbiddenError } from "../../../lib/errors";
import type { GatewayRouter } from "../types";
import { createApiKeyExchange, isImpersonation } from "./api-key";
import type { GatewayContext } from "./context";
import { requestContext } from "./test-context";

const KEY = `pbk_AAAAAAAAAAAA_${"B".repeat(43)}`;

describe("isImpersonation", () => {
  it.each([
    ["/api/collections/_superusers/impersonate/abc", true],
    ["/api/collections/users/impersonate/abc?duration=315360000", true],
    ["/api/collections/_superusers/imp%65rsonate/abc", true],
    ["//api//collections/_superusers/impersonate/abc", true],
    ["/api/collections/x/../_superusers/impersonate/abc", true],
    ["/API/Collections/_superusers/IMPERSONATE/abc", true],
    ["/api/collections/_superusers/impersonate/abc/", true],
    ["/api/collections/_superusers/records", false],
    ["/api/collections/impersonate/records", false],
    ["/api/collections/posts/records/impersonate", false],
    ["/api/collections/%E0%A4%A/impersonate/x", true],
  ])("%s → %s", (url, expected) => {
    expect(isImpersonation(url)).toBe(expected);
  });
});

describe("API-key policy", () => {
  const contextFor = (url: string, authorization: string): GatewayContext => ({
    ...requestContext({ method: "POST", url, headers: { authorization } }),
    upstream: { host: "127.0.0.1", port: 8090 },
  });

  const router = (): GatewayRouter => ({
    resolve: async () => "i1",
    ensureRunning: async () => ({ host: "127.0.0.1", port: 8090 }),
    activity: () => undefined,
    authorize: vi.fn(async () => "superuser-token"),
  });

  it("refuses impersonation with a key (403) before the key is even checked", async () => {
    const r = router();
    const { policy } = createApiKeyExchange(r);
    expect(() => policy.run(contextFor("/api/collections/_superusers/impersonate/x", `Bearer ${KEY}`))).toThrow(ForbiddenError);
    expect(r.authorize).not.toHaveBeenCalled();
  });

  it("leaves impersonation by a superuser token alone, and swaps a key for a token elsewhere", async () => {
    const { policy } = createApiKeyExchange(router());
    const bySuperuser = contextFor("/api/collections/_superusers/impersonate/x", "eyJ.token.sig");
    expect(await policy.run(bySuperuser)).toBe("next");
    expect(bySuperuser.req.headers.authorization).toBe("eyJ.token.sig");
    const byKey = contextFor("/api/collections/posts/records", KEY);
    expect(await policy.run(byKey)).toBe("next");
    expect(byKey.req.headers.authorization).toBe("superuser-token");
  });
});
