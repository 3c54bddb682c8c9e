import { describe, expect, it } from "vitest";
import { forwardableHeaders } from "./relay";

describe("forwardableHeaders", () => {
  it("drops hop-by-hop headers in any case and keeps the rest in order, duplicates included", () => {
    const raw = [
      "Content-Type",
      "text/event-stream",
      "Transfer-Encoding",
      "chunked",
      "Connection",
      "keep-alive",
      "Set-Cookie",
      "a=1",
      "keep-alive",
      "timeout=5",
      "Set-Cookie",
      "b=2",
      "TE",
      "trailers",
      "Content-Length",
      "12",
      "Access-Control-Allow-Origin",
      "*",
    ];
    expect(forwardableHeaders(raw)).toEqual([
      "Content-Type",
      "text/event-stream",
      "Set-Cookie",
      "a=1",
      "Set-Cookie",
      "b=2",
      "Content-Length",
      "12",
      "Access-Control-Allow-Origin",
      "*",
    ]);
  });

  it("returns an empty list for no headers", () => {
    expect(forwardableHeaders([])).toEqual([]);
  });
});
