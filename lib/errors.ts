/**
 * The platform's one error vocabulary: every failure a user may see is an `AppError` (status,
 * code, public message, optional details and Retry-After; `cause` keeps the internal detail for
 * logs), and `toErrorResponse` is the one mapper to HTTP, used by the web's route handlers, the
 * orchestrator's internal API and the gateway alike.
 */
export class AppError extends Error {
  readonly status: number;
  readonly code: string;
  readonly details?: unknown;
  /** Whole seconds after which a retry may succeed; sent as `Retry-After` when set. */
  readonly retryAfterSeconds?: number;

  constructor(status: number, code: string, message: string, options?: { cause?: unknown; details?: unknown; retryAfterSeconds?: number }) {
    super(message, { cause: options?.cause });
    this.name = new.target.name;
    this.status = status;
    this.code = code;
    this.details = options?.details;
    if (options?.retryAfterSeconds !== undefined) this.retryAfterSeconds = Math.max(0, Math.ceil(options.retryAfterSeconds));
  }

  /** Response headers this kind of error calls for beyond Cache-Control and Retry-After (none by default). */
  responseHeaders(): Record<string, string> {
    return {};
  }
}

export class BadRequestError extends AppError {
  constructor(message: string, details?: unknown) {
    super(400, "bad_request", message, { details });
  }
}

export class UnauthorizedError extends AppError {
  constructor(message = "Authentication required.") {
    super(401, "unauthorized", message);
  }
}

export class ForbiddenError extends AppError {
  constructor(message = "You do not have access to this resource.") {
    super(403, "forbidden", message);
  }
}

export class NotFoundError extends AppError {
  constructor(message = "Not found.") {
    super(404, "not_found", message);
  }
}

export class ConflictError extends AppError {
  constructor(message: string) {
    super(409, "conflict", message);
  }
}

/** 412: the request is valid but the platform is not set up for it (e.g. `sandbox_required`). */
export class PreconditionFailedError extends AppError {
  constructor(message: string, code = "precondition_failed", details?: unknown) {
    super(412, code, message, { details });
  }
}

/** The request body is larger than the route accepts. */
export class PayloadTooLargeError extends AppError {
  constructor(limitBytes: number) {
    super(413, "payload_too_large", `Request body too large: at most ${formatBytes(limitBytes)} is accepted.`, { details: { limitBytes } });
  }

  /** The rest of an oversized body is left unread: closing the connection drops it. */
  override responseHeaders(): Record<string, string> {
    return { Connection: "close" };
  }
}

/** 415: the body's Content-Type is not one the route reads. */
export class UnsupportedMediaTypeError extends AppError {
  constructor(message: string, details?: unknown) {
    super(415, "unsupported_media_type", message, { details });
  }
}

/** The account already has as many instances as the platform allows it. */
export class QuotaExceededError extends AppError {
  constructor(quota: number, used: number) {
    super(403, "quota_exceeded", `You have reached your limit of ${quota} instance${quota === 1 ? "" : "s"}. Delete one to create another.`, {
      details: { quota, used },
    });
  }
}

/** 422: well-formed but invalid input; `code` narrows the kind (e.g. `invalid_bundle`). */
export class UnprocessableError extends AppError {
  constructor(message: string, details?: unknown, code = "unprocessable") {
    super(422, code, message, { details });
  }
}

export class RateLimitError extends AppError {
  declare readonly retryAfterSeconds: number;
  constructor(message: string, retryAfterSeconds: number) {
    super(429, "rate_limited", message, { retryAfterSeconds });
  }
}

export class UnavailableError extends AppError {
  declare readonly retryAfterSeconds: number;
  constructor(message: string, retryAfterSeconds = 5, cause?: unknown) {
    super(503, "unavailable", message, { cause, retryAfterSeconds });
  }
}

function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024 && bytes % (1024 * 1024) === 0) return `${bytes / (1024 * 1024)} MB`;
  if (bytes >= 1024 && bytes % 1024 === 0) return `${bytes / 1024} KB`;
  return `${bytes} bytes`;
}

/** The JSON body every API returns on error. */
export type ErrorBody = { error: { code: string; message: string; details?: unknown } };

/** An error as HTTP: status, the JSON body and the response headers (canonical case). */
export type HttpError = { status: number; body: ErrorBody; headers: Record<string, string> };

/** Maps any thrown value to its status, body and headers; anything not an AppError is a 500 that leaks no internals. */
export function toErrorResponse(err: unknown): HttpError {
  const headers: Record<string, string> = { "Cache-Control": "no-store" };
  if (!(err instanceof AppError)) return { status: 500, body: { error: { code: "internal", message: "Internal server error." } }, headers };
  const body: ErrorBody = { error: { code: err.code, message: err.message } };
  if (err.details !== undefined) body.error.details = err.details;
  if (err.retryAfterSeconds !== undefined) headers["Retry-After"] = String(err.retryAfterSeconds);
  return { status: err.status, body, headers: { ...headers, ...err.responseHeaders() } };
}
