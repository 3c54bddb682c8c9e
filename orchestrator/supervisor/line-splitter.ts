/** Splits a text stream into lines; overlong lines are wrapped so a tenant cannot grow our memory. */
export type LineSplitter = { push(chunk: string): void; flush(): void };

/** Creates a splitter calling `onLine` for each line (newline and trailing `\r` removed). */
export function createLineSplitter(onLine: (line: string) => void, maxLineLength = 4096): LineSplitter {
  let pending = "";
  const emit = (line: string) => {
    const clean = line.endsWith("\r") ? line.slice(0, -1) : line;
    for (let i = 0; i < clean.length; i += maxLineLength) onLine(clean.slice(i, i + maxLineLength));
    if (clean === "") onLine("");
  };
  return {
    push(chunk) {
      const parts = (pending + chunk).split("\n");
      pending = parts.pop() ?? "";
      for (const part of parts) emit(part);
      // Without a newline in sight, emit full pieces now instead of buffering without bound.
      const whole = pending.length - (pending.length % maxLineLength);
      if (whole > 0) {
        emit(pending.slice(0, whole));
        pending = pending.slice(whole);
      }
    },
    flush() {
      if (pending !== "") emit(pending);
      pending = "";
    },
  };
}
