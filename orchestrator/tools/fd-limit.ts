import { execFile } from "node:child_process";
import fs from "node:fs/promises";
import { promisify } from "node:util";

const run = promisify(execFile);

export type FdLimit = { soft: number; hard: number };

/** The "Max open files" line of /proc/<pid>/limits; null when absent ("unlimited" counts as Infinity). */
export function parseFdLimit(limits: string): FdLimit | null {
  const match = /^Max open files\s+(\S+)\s+(\S+)/m.exec(limits);
  if (!match) return null;
  const value = (s: string | undefined) => (s === "unlimited" ? Infinity : Number(s));
  const soft = value(match[1]);
  const hard = value(match[2]);
  return Number.isNaN(soft) || Number.isNaN(hard) ? null : { soft, hard };
}

/** What to ask for: at least `target`, never above what the kernel allows; null when nothing would change. */
export function wantedFdLimit(current: FdLimit, target: number, privileged: boolean, kernelMax: number): number | null {
  const ceiling = privileged ? Math.min(Math.max(target, current.hard), kernelMax) : current.hard;
  const wanted = Math.min(Math.max(current.soft, target), ceiling);
  return wanted > current.soft || (privileged && wanted > current.hard) ? wanted : null;
}

/**
 * Raises this process's open-file limit toward `target`. Node already lifts the soft limit to the
 * hard one at startup; as root the hard limit can be raised too. Node has no setrlimit, so this
 * runs util-linux `prlimit` on our own pid (Linux only). Resolves with the limits in force after
 * the attempt and, when raising was wanted but failed, why.
 */
export async function raiseFdLimit(target: number): Promise<{ before: FdLimit; after: FdLimit; error?: string } | null> {
  const read = async () => parseFdLimit(await fs.readFile(`/proc/${process.pid}/limits`, "utf8"));
  const before = await read().catch(() => null);
  if (before === null) return null; // not Linux: nothing to read, nothing to raise
  const kernelMax = Number(await fs.readFile("/proc/sys/fs/nr_open", "utf8").catch(() => String(before.hard)));
  const wanted = wantedFdLimit(before, target, process.getuid?.() === 0, kernelMax);
  if (wanted === null) return { before, after: before };
  const hard = before.hard === Infinity ? "unlimited" : String(Math.max(wanted, before.hard));
  try {
    await run("prlimit", ["--pid", String(process.pid), `--nofile=${wanted}:${hard}`]);
  } catch (err) {
    return { before, after: before, error: err instanceof Error ? err.message : String(err) };
  }
  return { before, after: (await read()) ?? before };
}
