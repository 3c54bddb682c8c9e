// Memory figures of live processes, from /proc, shared by the benchmarks (kB unless named otherwise).
import fs from "node:fs";
import { sandboxScope } from "../orchestrator/config";
import { tenantsGroup } from "../orchestrator/sandbox/cgroups";

/** A /proc file of a process, or undefined once the process is gone (any other error is thrown). */
function procFile(pid: number, name: string): string | undefined {
  try {
    return fs.readFileSync(`/proc/${pid}/${name}`, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT" || (err as NodeJS.ErrnoException).code === "ESRCH") return undefined;
    throw err;
  }
}

/** Proportional set size of a process (its shared pages divided among their users); 0 once it is gone. */
export function pssKb(pid: number): number {
  return Number(/^Pss:\s+(\d+) kB/m.exec(procFile(pid, "smaps_rollup") ?? "")?.[1] ?? 0);
}

/** A process's command name (/proc/<pid>/comm), or undefined once it is gone. */
export function processName(pid: number): string | undefined {
  return procFile(pid, "comm")?.trim();
}

/** A `<name>: <n> kB` field of /proc/<pid>/status (VmRSS, RssAnon, …). */
export function statusKb(pid: number, name: string): number {
  return Number(new RegExp(`^${name}:\\s+(\\d+) kB`, "m").exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? NaN);
}

/** Every pid in a sandboxed tenant's cgroup (bwrap, its init, PocketBase, whatever hooks started), on cgroup v1. */
export function tenantCgroupPids(orch: { pid?: number; dataDir: string }, instanceId: string): number[] {
  const own = /^\d+:memory:(.*)$/m.exec(fs.readFileSync(`/proc/${orch.pid}/cgroup`, "utf8"))?.[1] ?? "/";
  const group = tenantsGroup(sandboxScope(orch.dataDir));
  const procs = fs.readFileSync(`/sys/fs/cgroup/memory${own === "/" ? "" : own}/${group}/${instanceId}/cgroup.procs`, "utf8");
  return procs.split("\n").filter(Boolean).map(Number);
}
