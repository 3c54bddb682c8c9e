import { describe, expect, it } from "vitest";
import {
  AppError,
  BadRequestError,
  ConflictError,
  ForbiddenError,
  NotFoundError,
  PayloadTooLargeError,
  PreconditionFailedError,
  QuotaExceededError,
  RateLimitError,
  UnauthorizedError,
  UnavailableError,
  UnprocessableError,
  UnsupportedMediaTypeError,
  toErrorResponse,
} from "./errors";

const noStore = { "Cache-Control": "no-store" };

describe("toErrorResponse", () => {
  it.each([
    { err: new BadRequestError("Body is not valid JSON."), status: 400, code: "bad_request", headers: noStore },
    { err: new UnauthorizedError(), status: 401, code: "unauthorized", headers: noStore },
    { err: new ForbiddenError(), status: 403, code: "forbidden", headers: noStore },
    { err: new QuotaExceededError(2, 2), status: 403, code: "quota_exceeded", headers: noStore, details: { quota: 2, used: 2 } },
    { err: new NotFoundError(), status: 404, code: "not_found", headers: noStore },
    { err: new ConflictError("That subdomain is taken."), status: 409, code: "conflict", headers: noStore },
    { err: new PreconditionFailedError("Deploys need the sandbox.", "sandbox_required"), status: 412, code: "sandbox_required", headers: noStore },
    { err: new PreconditionFailedError("Not now."), status: 412, code: "precondition_failed", headers: noStore },
    {
      err: new PayloadTooLargeError(1024 * 1024),
      status: 413,
      code: "payload_too_large",
      headers: { ...noStore, Connection: "close" },
      details: { limitBytes: 1024 * 1024 },
    },
    { err: new UnsupportedMediaTypeError("Send application/gzip."), status: 415, code: "unsupported_media_type", headers: noStore },
    { err: new UnprocessableError("name: Required", { fieldErrors: {} }), status: 422, code: "unprocessable", headers: noStore, details: { fieldErrors: {} } },
    {
      err: new UnprocessableError("pb_hooks/../x: outside the bundle", { entry: "pb_hooks/../x" }, "invalid_bundle"),
      status: 422,
      code: "invalid_bundle",
      headers: noStore,
      details: { entry: "pb_hooks/../x" },
    },
    { err: new RateLimitError("Too many sign-ups.", 600), status: 429, code: "rate_limited", headers: { ...noStore, "Retry-After": "600" } },
    { err: new UnavailableError("Not reachable."), status: 503, code: "unavailable", headers: { ...noStore, "Retry-After": "5" } },
    { err: new AppError(507, "quota_exceeded", "Over the disk quota."), status: 507, code: "quota_exceeded", headers: noStore },
  ])("$err.name → $status $code", ({ err, status, code, headers, details }) => {
    const expectedBody = { error: { code, message: err.message, ...(details === undefined ? {} : { details }) } };
    expect(toErrorResponse(err)).toEqual({ status, body: expectedBody, headers });
  });

  it("keeps the existing public messages", () => {
    expect(toErrorResponse(new PayloadTooLargeError(64 * 1024)).body.error.message).toBe("Request body too large: at most 64 KB is accepted.");
    expect(toErrorResponse(new QuotaExceededError(1, 1)).body.error.message).toBe("You have reached your limit of 1 instance. Delete one to create another.");
  });

  it("sends Retry-After in whole seconds, for any AppError that sets it", () => {
    const err = new AppError(409, "conflict", "A deploy is in progress.", { retryAfterSeconds: 2.2 });
    expect(err.retryAfterSeconds).toBe(3);
    expect(toErrorResponse(err).headers).toEqual({ ...noStore, "Retry-After": "3" });
  });

  it("adds the headers an error type declares", () => {
    class Teapot extends AppError {
      constructor() {
        super(418, "teapot", "I am a teapot.", { retryAfterSeconds: 1 });
      }
      override responseHeaders(): Record<string, string> {
        return { "X-Brew": "tea" };
      }
    }
    expect(toErrorResponse(new Teapot()).headers).toEqual({ ...noStore, "Retry-After": "1", "X-Brew": "tea" });
  });

  it.each([
    new Error("connect ECONNREFUSED 10.0.0.7:5432 (password=hunter2)"),
    new TypeError("Cannot read properties of undefined"),
    "a thrown string",
    { status: 418, code: "teapot", message: "not an AppError" },
    undefined,
  ])("maps anything else (%o) to a 500 that leaks nothing", (err) => {
    const mapped = toErrorResponse(err);
    expect(mapped).toEqual({ status: 500, body: { error: { code: "internal", message: "Internal server error." } }, headers: noStore });
  });

  it("keeps the cause for logs but never in the body", () => {
    const cause = new Error("disk full at /var/lib/picobase");
    const mapped = toErrorResponse(new UnavailableError("Instance could not start.", 5, cause));
    expect(JSON.stringify(mapped)).not.toContain("disk full");
    expect(mapped.body).toEqual({ error: { code: "unavailable", message: "Instance could not start." } });
  });
});
