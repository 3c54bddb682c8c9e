import { describe, expect, it } from "vitest";
import { toErrorResponse } from "../../../lib/errors";
import { quotaPolicy } from "./quota";
import { requestContext } from "./test-context";

const contextFor = (method: string, instanceId: string) => requestContext({ method, instanceId });

describe("quotaPolicy", () => {
  const policy = quotaPolicy({ overQuota: (id) => id === "full" });

  it.each(["POST", "PUT", "PATCH"])("refuses %s to an instance over quota with 507 quota_exceeded", (method) => {
    let thrown: unknown;
    try {
      policy.run(contextFor(method, "full"));
    } catch (err) {
      thrown = err;
    }
    const { status, body } = toErrorResponse(thrown);
    expect(status).toBe(507);
    expect(body.error.code).toBe("quota_exceeded");
    expect(body.error.message).toMatch(/quota/);
  });

  it.each(["GET", "HEAD", "DELETE", "OPTIONS"])("lets %s through over quota (reads, and deletes that free space)", (method) => {
    expect(policy.run(contextFor(method, "full"))).toBe("next");
  });

  it("lets writes through under quota, and when the router has no usage source", () => {
    expect(policy.run(contextFor("POST", "roomy"))).toBe("next");
    expect(quotaPolicy({}).run(contextFor("POST", "full"))).toBe("next");
  });
});
