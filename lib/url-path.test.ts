import { describe, expect, it } from "vitest";
import { isDecodablePath } from "./url-path";

describe("isDecodablePath", () => {
  it.each(["/api/subdomains/my-app", "/api/subdomains/%25E0", "/dashboard/instances/caf%C3%A9", "/"])("accepts %s", (p) =>
    expect(isDecodablePath(p)).toBe(true),
  );
  it.each(["/api/subdomains/%E0%A4%A", "/api/instances/%", "/api/x/%zz", "/dashboard/instances/%C3"])("refuses %s", (p) =>
    expect(isDecodablePath(p)).toBe(false),
  );
});
