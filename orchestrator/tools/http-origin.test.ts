import { describe, expect, it } from "vitest";
import { httpOrigin } from "./http-origin";

describe("httpOrigin", () => {
  it.each([
    [{ host: "127.0.0.1", port: 8090 }, "http://127.0.0.1:8090"],
    [{ host: "10.200.0.2", port: 80 }, "http://10.200.0.2:80"],
    [{ host: "fd00::2", port: 8090 }, "http://[fd00::2]:8090"],
    [{ host: "localhost", port: 1 }, "http://localhost:1"],
  ])("%j → %s", (input, expected) => {
    expect(httpOrigin(input)).toBe(expected);
  });
});
