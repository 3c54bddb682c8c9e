import { describe, expect, it } from "vitest";
import { forwardableHeaders, forwardableRequestHeaders } from "./headers";

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

describe("forwardableRequestHeaders", () => {
  it("drops hop-by-hop headers and Expect, keeps the rest, repeats list values", () => {
    const headers = {
      host: "app.example.com",
      connection: "keep-alive",
      "transfer-encoding": "chunked",
      expect: "100-continue",
      upgrade: "websocket",
      "x-forwarded-for": "203.0.113.1",
      cookie: ["a=1", "b=2"],
      "content-length": 12,
    };
    expect(forwardableRequestHeaders(headers)).toEqual([
      "host",
      "app.example.com",
      "x-forwarded-for",
      "203.0.113.1",
      "cookie",
      "a=1",
      "cookie",
      "b=2",
      "content-length",
      "12",
    ]);
  });
});
