/**
 * The CLI's failures. Every failure a user may see is a `CliError`: its message is one sentence
 * for people, printed as `error: <message>`, and the process exits with its code (1, or 2 for a
 * usage error). Anything else reaching the top is a bug and is reported the same way.
 */
export class CliError extends Error {
  readonly exitCode: number;

  constructor(message: string, options?: { exitCode?: number; cause?: unknown }) {
    super(message, { cause: options?.cause });
    this.name = new.target.name;
    this.exitCode = options?.exitCode ?? 1;
  }
}

/** The command line itself is wrong (exit code 2, like commander's own usage errors). */
export class UsageError extends CliError {
  constructor(message: string) {
    super(message, { exitCode: 2 });
  }
}

/** A non-2xx answer of the platform API, carrying its `{error: {code, message}}`. */
export class ApiError extends CliError {
  readonly status: number;
  readonly code: string;

  constructor(status: number, code: string, message: string) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

/** The line printed on stderr for a failure. */
export function formatError(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return `error: ${message.trim() || "unknown failure"}`;
}

/** The exit code for a failure. */
export function exitCodeOf(err: unknown): number {
  return err instanceof CliError ? err.exitCode : 1;
}
