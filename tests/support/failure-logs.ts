import fs from "node:fs";
import { beforeEach } from "vitest";

/** How much of each log a failed test prints: enough for the last few starts and requests. */
const TAIL_LINES = 80;
const MAX_LINE_CHARS = 600;

/** The last `lines` lines of a log file, each cut to a readable length; a note when it cannot be read. */
function logTail(file: string, lines = TAIL_LINES): string {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (err) {
    return `(cannot read ${file}: ${(err as Error).message})`;
  }
  return text
    .trimEnd()
    .split("\n")
    .slice(-lines)
    .map((line) => (line.length > MAX_LINE_CHARS ? `${line.slice(0, MAX_LINE_CHARS)}…` : line))
    .join("\n");
}

/**
 * Prints the tail of each process log `logs()` names when a test of the calling suite fails, before
 * its teardown deletes them: CI keeps the output of a failed run, not the processes' data folders.
 */
export function printLogsOnFailure(logs: () => { name: string; file: string }[]): void {
  beforeEach(({ onTestFailed }) => {
    onTestFailed(() => {
      for (const { name, file } of logs()) console.error(`---- ${name}: last ${TAIL_LINES} lines of ${file}\n${logTail(file)}\n---- end of ${name}`);
    });
  });
}
