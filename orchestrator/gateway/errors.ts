import { AppError, NotFoundError, RateLimitError, UnavailableError } from "../../lib/errors";

// The gateway's own error vocabulary on top of lib/errors.ts, whose one mapper turns them into HTTP.

/** The instance accepted no connection or dropped it before answering (crashed or just stopped). */
export class BadGatewayError extends AppError {
  constructor(message = "The instance did not answer. Try again in a moment.") {
    super(502, "bad_gateway", message);
  }
}

/** 507: the instance is over its disk quota, so writes are refused while reads go on. */
export class DiskQuotaExceededError extends AppError {
  constructor(message = "This instance is over its storage quota. Delete data or raise the quota to write again.") {
    super(507, "quota_exceeded", message);
  }
}

/** 429 for a request-rate limit, carrying the numbers for the RateLimit-* headers. */
export class RateLimitExceededError extends RateLimitError {
  constructor(
    message: string,
    readonly limit: number,
    retryAfterSeconds: number,
  ) {
    super(message, retryAfterSeconds);
  }

  /** The IETF draft RateLimit-* fields next to Retry-After (reset in seconds). */
  override responseHeaders(): Record<string, string> {
    return { "RateLimit-Limit": String(this.limit), "RateLimit-Remaining": "0", "RateLimit-Reset": String(this.retryAfterSeconds) };
  }
}

/** 429 when one client address holds too many connections or requests at once. */
export function tooManyFromClientError(what: "connections" | "requests"): RateLimitError {
  return new RateLimitError(`Too many concurrent ${what} from your address. Try again shortly.`, 1);
}

/** 503 when the gateway as a whole, or one instance's streams, are at capacity. */
export function atCapacityError(what: string): UnavailableError {
  return new UnavailableError(`${what} at capacity. Try again shortly.`, 5);
}

/** 404 for a Host that is not `<subdomain>.<baseDomain>`. */
export function unknownHostError(baseDomain: string): NotFoundError {
  return new NotFoundError(`Unknown host. Instances are served at <subdomain>.${baseDomain}.`);
}

/** 404 for a well-formed subdomain that names no instance. */
export function unknownInstanceError(subdomain: string): NotFoundError {
  return new NotFoundError(`No instance is served at "${subdomain}".`);
}
