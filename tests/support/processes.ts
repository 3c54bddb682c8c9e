import fs from "node:fs";

/** Pids of live `pocketbase serve` processes whose arguments mention `under` (a data dir). */
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
    if (argv.includes("serve") && argv.some((a) => a.includes("pocketbase")) && argv.some((a) => a.startsWith(under))) {
      pids.push(Number(entry));
    }
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
