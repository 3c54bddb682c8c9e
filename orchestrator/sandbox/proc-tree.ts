import fs from "node:fs/promises";

/** The parent pid from /proc/<pid>/stat, or undefined when the process is gone. */
async function parentPid(pid: number): Promise<number | undefined> {
  const stat = await fs.readFile(`/proc/${pid}/stat`, "utf8").catch(() => undefined);
  if (stat === undefined) return undefined;
  // Fields after the command name (in parentheses, which may itself contain ")"): state, ppid, ...
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return Number(fields[1]);
}

/**
 * The sandboxed command of a bwrap started as `spawnedPid`: bwrap forks an init for the new pid
 * namespace, which forks the command, so it is the grandchild. Searched among `candidates` (the
 * tenant's cgroup), never the whole /proc.
 */
export async function findInnerCommand(spawnedPid: number, candidates: number[]): Promise<number | undefined> {
  const parents = new Map<number, number | undefined>();
  for (const pid of candidates) parents.set(pid, await parentPid(pid));
  const init = candidates.find((pid) => parents.get(pid) === spawnedPid);
  if (init === undefined) return undefined;
  return candidates.find((pid) => parents.get(pid) === init);
}
