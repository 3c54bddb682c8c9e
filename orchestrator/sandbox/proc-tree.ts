import { procStatFields } from "../tools/proc-files";

/** The parent pid of `pid`, or undefined when the process is gone. */
async function parentPid(pid: number): Promise<number | undefined> {
  const ppid = (await procStatFields(pid))?.[1];
  return ppid === undefined ? undefined : Number(ppid);
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
