import { describe, expect, it } from "vitest";
import { assertSameOrigin } from "./same-origin";

const req = (method: string, headers: Record<string, string>) => new Request("http://dash.example.com/api/x", { method, headers });

describe("assertSameOrigin", () => {
  it.each([
    ["GET", { "sec-fetch-site": "cross-site", origin: "https://evil.example" }],
    ["POST", {}],
    ["POST", { "sec-fetch-site": "same-origin", origin: "http://dash.example.com", host: "dash.example.com" }],
    ["DELETE", { "sec-fetch-site": "none" }],
    ["POST", { origin: "http://dash.example.com:3000", host: "dash.example.com:3000" }],
    ["POST", { origin: "https://dash.example.com", host: "internal:3000", "x-forwarded-host": "dash.example.com" }],
  ])("allows %s %j", (method, headers) => expect(() => assertSameOrigin(req(method, headers))).not.toThrow());

  it.each([
    ["POST", { "sec-fetch-site": "same-site" }],
    ["POST", { "sec-fetch-site": "cross-site" }],
    ["PATCH", { origin: "http://app.example.com", host: "dash.example.com" }],
    ["DELETE", { origin: "null", host: "dash.example.com" }],
    ["POST", { origin: "not a url", host: "dash.example.com" }],
  ])("refuses %s %j with 403", (method, headers) => expect(() => assertSameOrigin(req(method, headers))).toThrow(/Cross-site request refused/));
});
