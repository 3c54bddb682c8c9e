import { setTimeout as delay } from "node:timers/promises";
import { procStatFields, readProcFile } from "../tools/proc-files";

/** True while `pid` is a running process (a zombie awaiting its reaper counts as gone). */
export async function isAlive(pid: number): Promise<boolean> {
  const state = (await procStatFields(pid))?.[0];
  return state !== undefined && state !== "Z" && state !== "X";
}

/**
 * When `pid` started (clock ticks since boot), or undefined when it is gone: with the pid, it
 * names one process, not a later one given the same number.
 */
export async function startTimeOf(pid: number): Promise<string | undefined> {
  return (await procStatFields(pid))?.[19];
}

/** The argv of `pid` from /proc, or undefined when the process is gone or unreadable. */
export async function readCmdline(pid: number): Promise<string[] | undefined> {
  const raw = await readProcFile(pid, "cmdline");
  if (raw === undefined || raw === "") return undefined;
  return raw.replace(/\0$/, "").split("\0");
}

/** Polls until `pid` is gone; false when it is still alive after `timeoutMs`. */
export async function waitUntilGone(pid: number, timeoutMs: number, intervalMs = 25): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (!(await isAlive(pid))) return true;
    if (Date.now() >= deadline) return false;
    await delay(intervalMs);
  }
}

/** Sends `signal` to `pid`; false when the process no longer exists. */
export function signalPid(pid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(pid, signal);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ESRCH") return false;
    throw err;
  }
}

/** SIGTERM, then SIGKILL after `timeoutMs`, for a process that is not our child (an orphan). */
export async function terminatePid(pid: number, timeoutMs: number): Promise<"terminated" | "killed"> {
  if (!signalPid(pid, "SIGTERM") || (await waitUntilGone(pid, timeoutMs))) return "terminated";
  signalPid(pid, "SIGKILL");
  await waitUntilGone(pid, 5_000);
  return "killed";
}
