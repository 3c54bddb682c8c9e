import fs from "node:fs";
import path from "node:path";
import { createRingBuffer } from "./ring-buffer";

/** A tenant's captured stdout/stderr: recent lines in memory plus a size-capped file. */
export type TenantLog = {
  /** Records one line of tenant output. */
  write(line: string): void;
  /** Records a line of our own (lifecycle) so users reading the tenant log see restarts. */
  note(text: string): void;
  tail(lines: number): string[];
  close(): void;
};

export type TenantLogOptions = {
  file: string;
  ringLines?: number;
  /** The file is rotated to `<file>.1` past this size, so a tenant keeps at most ~2× on disk. */
  maxFileBytes?: number;
  onError: (err: unknown) => void;
};

/** Opens (appending) the tenant's log file; writes are synchronous so output is never buffered without bound. */
export function createTenantLog({ file, ringLines = 500, maxFileBytes = 1_000_000, onError }: TenantLogOptions): TenantLog {
  const ring = createRingBuffer<string>(ringLines);
  let fd: number | undefined;
  let size = 0;
  let failed = false;

  const open = () => {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fd = fs.openSync(file, "a");
    size = fs.fstatSync(fd).size;
  };
  const append = (line: string) => {
    if (failed) return;
    try {
      if (fd === undefined) open();
      const bytes = Buffer.from(`${new Date().toISOString()} ${line}\n`);
      if (size + bytes.length > maxFileBytes && size > 0) {
        fs.closeSync(fd as number);
        fs.renameSync(file, `${file}.1`);
        open();
      }
      fs.writeSync(fd as number, bytes);
      size += bytes.length;
    } catch (err) {
      // Keep supervising with the in-memory tail only; report once instead of once per line.
      failed = true;
      onError(err);
    }
  };

  return {
    write(line) {
      ring.push(line);
      append(line);
    },
    note(text) {
      const line = `[picobase] ${text}`;
      ring.push(line);
      append(line);
    },
    tail: (lines) => ring.last(lines),
    close() {
      if (fd !== undefined) fs.closeSync(fd);
      fd = undefined;
    },
  };
}
