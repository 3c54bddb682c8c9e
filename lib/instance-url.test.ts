import { describe, expect, it } from "vitest";
import { instanceUrl } from "./instance-url";

describe("instanceUrl", () => {
  it.each([
    [{ baseDomain: "localhost", gatewayPort: 8080 }, "http://blog.localhost:8080"],
    [{ baseDomain: "picobase.dev", gatewayPort: 8080 }, "https://blog.picobase.dev"],
    [{ baseDomain: "x", gatewayPort: 1, publicGatewayUrl: "http://example.test:9000" }, "http://blog.example.test:9000"],
  ])("%o → %s", (settings, expected) => {
    expect(instanceUrl("blog", settings)).toBe(expected);
  });
});
