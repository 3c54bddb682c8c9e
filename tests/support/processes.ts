import fs from "node:fs";

/**
 * Pids of live `pocketbase serve` processes of the orchestrator whose data dir is `under`: their
 * arguments mention it, or (sandboxed, where PocketBase sees only /pb/…) their mounts come from it.
 * The sandbox's own bwrap processes are not PocketBase and do not count.
 */
export function pocketbaseProcessesUnder(under: string): number[] {
  return processesWhere((argv, pid) => {
    if (!argv.includes("serve") || !argv[0]?.endsWith("pocketbase")) return false;
    return argv.some((a) => a.startsWith(under)) || readOrEmpty(`/proc/${pid}/mountinfo`).includes(under);
  });
}

/** Pids of the live Litestream process of the orchestrator whose data dir is `under` (its config lives there). */
export function litestreamProcessesUnder(under: string): number[] {
  return processesWhere((argv) => argv[0]?.endsWith("litestream") === true && argv.some((a) => a.startsWith(under)));
}

/**
 * Every live descendant of `root` (children, theirs, …), from the parent pids in /proc: a node's
 * own PocketBase and Litestream processes, told apart from other nodes' by ancestry rather than by
 * paths (a sandbox's copy of the host's mount table names every node's folders).
 */
export function descendantsOf(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = readOrEmpty(`/proc/${entry}/stat`);
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    if (fields[0] === undefined || fields[0] === "Z") continue;
    const ppid = Number(fields[1]);
    children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
  }
  const found: number[] = [];
  const queue = [root];
  while (queue.length > 0) {
    for (const child of children.get(queue.shift()!) ?? []) {
      found.push(child);
      queue.push(child);
    }
  }
  return found;
}

/** Pids of live (not zombie) processes whose argv matches. */
function processesWhere(matches: (argv: string[], pid: string) => boolean): number[] {
  const pids: number[] = [];
  for (const entry of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    let argv: string[];
    try {
      argv = fs.readFileSync(`/proc/${entry}/cmdline`, "utf8").split("\0");
    } catch {
      continue; // the process exited while we listed /proc
    }
    const state = readOrEmpty(`/proc/${entry}/stat`).split(") ")[1]?.[0];
    if (state === undefined || state === "Z") continue;
    if (matches(argv, entry)) pids.push(Number(entry));
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
