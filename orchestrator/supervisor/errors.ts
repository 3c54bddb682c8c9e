/** A tenant process could not be started; `lastLines` is the tail of its output for the user. */
export class TenantStartError extends Error {
  readonly lastLines: string[];

  constructor(summary: string, lastLines: string[]) {
    const tail = lastLines.length > 0 ? `\n--- last log lines ---\n${lastLines.join("\n")}` : "";
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
