import { describe, expect, it } from "vitest";
import { toErrorResponse } from "../../lib/errors";
import { RateLimitExceededError, atCapacityError, tooManyFromClientError } from "./errors";

describe("gateway errors through the one mapper", () => {
  it("a request-rate limit carries Retry-After and the RateLimit-* fields", () => {
    const { status, body, headers } = toErrorResponse(new RateLimitExceededError("Too many requests. Try again in 3 s.", 50, 3));
    expect(status).toBe(429);
    expect(body.error.code).toBe("rate_limited");
    expect(headers).toEqual({ "Cache-Control": "no-store", "Retry-After": "3", "RateLimit-Limit": "50", "RateLimit-Remaining": "0", "RateLimit-Reset": "3" });
  });

  it("concurrency and capacity refusals carry Retry-After only", () => {
    expect(toErrorResponse(tooManyFromClientError("connections")).headers).toEqual({ "Cache-Control": "no-store", "Retry-After": "1" });
    expect(toErrorResponse(atCapacityError("The gateway is")).headers).toEqual({ "Cache-Control": "no-store", "Retry-After": "5" });
  });
});
