import { describe, expect, it } from "vitest";
import { meaningfulLines, TenantStartError, withoutTenantOutput } from "./errors";

describe("meaningfulLines", () => {
  it("keeps a panic's message and drops its goroutine stack", () => {
    const out = [
      "2026/11/26 20:15:47 MIGRATION RAN",
      'panic: pattern "GET /api/health" conflicts with pattern "GET /api/health":',
      "",
      "goroutine 247 [running]:",
      "net/http.(*ServeMux).register(...)",
      "\t/usr/local/go/src/net/http/server.go:2872",
      "main.main.func1(0x1a8a6c1f76e0)",
      "\tgithub.com/pocketbase/pocketbase@v0.39.11/examples/base/main.go:114 +0x210",
      "created by github.com/pocketbase/pocketbase.(*PocketBase).Execute in goroutine 1",
    ];
    expect(meaningfulLines(out, 10)).toEqual([
      "2026/11/26 20:15:47 MIGRATION RAN",
      'panic: pattern "GET /api/health" conflicts with pattern "GET /api/health":',
    ]);
  });

  it("keeps ordinary log lines, the last `count` of them", () => {
    expect(meaningfulLines(["a", "Error: failed to apply migration 1_x.js: boom", "b (see logs)"], 2)).toEqual([
      "Error: failed to apply migration 1_x.js: boom",
      "b (see logs)",
    ]);
  });
});

describe("withoutTenantOutput", () => {
  it("cuts a start error's copy of the tenant's lines, also inside a wrapping message", () => {
    const err = new TenantStartError("PocketBase exited before becoming healthy (exit code 2)", ["token=sk_live_1"]);
    expect(withoutTenantOutput(`Instance could not start: ${err.message}`)).toBe(
      "Instance could not start: PocketBase exited before becoming healthy (exit code 2) [tenant output left out]",
    );
    expect(withoutTenantOutput("no tenant lines here")).toBe("no tenant lines here");
  });
});
