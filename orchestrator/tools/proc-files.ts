import fs from "node:fs/promises";

/** A file of /proc/<pid>/, or undefined when the process is gone (or not ours to inspect). */
export async function readProcFile(pid: number, name: string): Promise<string | undefined> {
  try {
    return await fs.readFile(`/proc/${pid}/${name}`, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    // ENOENT/ESRCH: the process is gone; EACCES: not ours to inspect, treat as unknown.
    if (code === "ENOENT" || code === "ESRCH" || code === "EACCES") return undefined;
    throw err;
  }
}

/**
 * The fields of /proc/<pid>/stat after the command name, which is in parentheses and may itself
 * contain ") ": [0] is the state (field 3 in proc(5)), [1] the parent pid, [19] the start time.
 * Undefined when the process is gone.
 */
export async function procStatFields(pid: number): Promise<string[] | undefined> {
  const stat = await readProcFile(pid, "stat");
  return stat?.slice(stat.lastIndexOf(")") + 2).split(" ");
}
