import fs from "node:fs";

/**
 * Pids of live `pocketbase serve` processes of the orchestrator whose data dir is `under`: their
 * arguments mention it, or (sandboxed, where PocketBase sees only /pb/…) their mounts come from it.
 * The sandbox's own bwrap processes are not PocketBase and do not count.
 */
export function pocketbaseProcessesUnder(under: string): number[] {
  const pids: number[] = [];
  for (const entry of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    let argv: string[];
    try {
      argv = fs.readFileSync(`/proc/${entry}/cmdline`, "utf8").split("\0");
    } catch {
      continue; // the process exited while we listed /proc
    }
    const state = fs.readFileSync(`/proc/${entry}/stat`, "utf8").split(") ")[1]?.[0];
    if (state === "Z") continue;
    if (!argv.includes("serve") || !argv[0]?.endsWith("pocketbase")) continue;
    if (argv.some((a) => a.startsWith(under)) || readOrEmpty(`/proc/${entry}/mountinfo`).includes(under)) pids.push(Number(entry));
  }
  return pids;
}

/** Whether a pid is alive (and not a zombie). */
export function isAlive(pid: number): boolean {
  try {
    const state = fs.readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.[0];
    return state !== undefined && state !== "Z";
  } catch {
    return false; // no such process
  }
}

function readOrEmpty(file: string): string {
  try {
    return fs.readFileSync(file, "utf8");
  } catch {
    return ""; // the process exited meanwhile
  }
}
