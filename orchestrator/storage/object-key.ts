/** Raised when a key or prefix could escape the store or is not a plain relative path. */
export class InvalidObjectKeyError extends Error {
  constructor(
    readonly key: string,
    reason: string,
  ) {
    super(`Invalid object key ${JSON.stringify(key)}: ${reason}`);
    this.name = "InvalidObjectKeyError";
  }
}

const MAX_KEY_BYTES = 1024;

/** Checks a full object key: `/`-separated, relative, no empty, `.` or `..` segments, no control characters. */
export function assertValidKey(key: string): void {
  if (key === "") throw new InvalidObjectKeyError(key, "empty");
  checkCommon(key);
  if (key.endsWith("/")) throw new InvalidObjectKeyError(key, "ends with '/'");
  checkSegments(key, key.split("/"));
}

/** Checks a listing prefix: empty, or a key-like string that may end with `/` or mid-segment. */
export function assertValidPrefix(prefix: string): void {
  if (prefix === "") return;
  checkCommon(prefix);
  const segments = prefix.split("/");
  // A trailing '/' leaves one empty last segment, which is fine for a prefix.
  if (segments.at(-1) === "") segments.pop();
  checkSegments(prefix, segments);
}

function checkCommon(key: string): void {
  if (Buffer.byteLength(key) > MAX_KEY_BYTES) throw new InvalidObjectKeyError(key, `longer than ${MAX_KEY_BYTES} bytes`);
  if (key.startsWith("/")) throw new InvalidObjectKeyError(key, "absolute path");
  if (key.includes("\\")) throw new InvalidObjectKeyError(key, "contains '\\'");
  if (/[\u0000-\u001f\u007f]/.test(key)) throw new InvalidObjectKeyError(key, "contains control characters");
}

function checkSegments(key: string, segments: string[]): void {
  for (const segment of segments) {
    if (segment === "") throw new InvalidObjectKeyError(key, "empty path segment");
    if (segment === "." || segment === "..") throw new InvalidObjectKeyError(key, `'${segment}' segment`);
  }
}

/** Orders keys the way S3 lists them (UTF-8 byte order), so every driver lists identically. */
export function compareKeys(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}
