/** Where a message's copy of tenant output starts (see `withoutTenantOutput`). */
const TAIL_MARKER = "\n--- last log lines ---\n";

/** A tenant process could not be started; `lastLines` is the tail of its output for the user. */
export class TenantStartError extends Error {
  readonly lastLines: string[];

  constructor(summary: string, lastLines: string[]) {
    const tail = lastLines.length > 0 ? `${TAIL_MARKER}${lastLines.join("\n")}` : "";
    super(`${summary}${tail}`);
    this.name = "TenantStartError";
    this.lastLines = lastLines;
  }
}

/** Describes how a process ended, for messages: "exit code 2", "signal SIGKILL". */
export function describeExit(exit: { exitCode: number | null; signal: string | null; error?: string }): string {
  if (exit.error) return exit.error;
  if (exit.signal) return `signal ${exit.signal}`;
  return `exit code ${exit.exitCode ?? "unknown"}`;
}

// A Go panic prints a goroutine stack after its message: frames ("pkg.func(0x…)"), their file
// lines (tab-indented), "goroutine N [running]:" and "created by …". People need the message.
const STACK_LINE = /^(\t|goroutine \d+ \[|created by |\[recovered\]$)|^[\w./*()[\]{}-]+\(.*\)$/;

/** The last `count` lines of a tenant's output that say something: Go stack-trace lines left out. */
export function meaningfulLines(lines: string[], count: number): string[] {
  return lines.filter((line) => line.trim() !== "" && !STACK_LINE.test(line)).slice(-count);
}

/**
 * A text with any copy of a tenant's output cut off. Start errors carry the tenant's last lines
 * for its owner (events, status, deploy messages), and errors wrapping them repeat their message;
 * the platform's own log must not: a hook can print anything there, its secrets included.
 */
export function withoutTenantOutput(text: string): string {
  const at = text.indexOf(TAIL_MARKER);
  return at < 0 ? text : `${text.slice(0, at)} [tenant output left out]`;
}
