import { afterEach, describe, expect, it, vi } from "vitest";
import { PayloadTooLargeError, RateLimitError } from "@/lib/errors";
import { errorResponse } from "./handler";

describe("errorResponse", () => {
  afterEach(() => vi.restoreAllMocks());

  it("answers with the mapper's status, body and headers", async () => {
    const limited = errorResponse(new RateLimitError("Too many sign-ups.", 600));
    expect(limited.status).toBe(429);
    expect(limited.headers.get("retry-after")).toBe("600");
    expect(limited.headers.get("cache-control")).toBe("no-store");
    expect(await limited.json()).toEqual({ error: { code: "rate_limited", message: "Too many sign-ups." } });
    expect(errorResponse(new PayloadTooLargeError(1024)).headers.get("connection")).toBe("close");
  });

  it("logs a 500 as one JSON line with the stacks of the error and its cause, and sends none of it", async () => {
    const logged = vi.spyOn(console, "error").mockImplementation(() => {});
    const err = new Error("query failed", { cause: new Error("SQLITE_BUSY: database is locked") });
    const res = errorResponse(err, new Request("http://web.test/api/instances"));
    expect(res.status).toBe(500);
    expect(await res.text()).not.toMatch(/query failed|SQLITE_BUSY/);
    expect(logged).toHaveBeenCalledTimes(1);
    const line = logged.mock.calls[0]?.[0] as string;
    expect(line).not.toContain("\n");
    const entry = JSON.parse(line) as { msg: string; path: string; err: { message: string; stack: string; cause: { message: string; stack: string } } };
    expect(entry).toMatchObject({
      msg: "platform API error",
      path: "http://web.test/api/instances",
      err: { message: "query failed", cause: { message: "SQLITE_BUSY: database is locked" } },
    });
    expect(entry.err.stack).toContain("handler.test.ts");
    expect(entry.err.cause.stack).toContain("handler.test.ts");
  });
});
