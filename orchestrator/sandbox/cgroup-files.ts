/** Resource limits of one tenant, applied to its cgroup. */
export type TenantLimits = {
  /** Hard memory limit (RAM; swap is not allowed on top). */
  memoryBytes: number;
  /** Processes and threads at once. */
  pids: number;
  /** Relative CPU share, cgroup v2 scale (1–10000, default 100). */
  cpuWeight: number;
  /** CPU time per period, in cores (0.5 = half a core); 0 = unlimited. */
  cpuCores: number;
};

const CPU_PERIOD_US = 100_000;

/**
 * The control files to write for `limits`, per controller, in order (cgroup v1: one hierarchy per
 * controller; v2: one folder, controller given as ""). Pure, so both versions are table-tested.
 */
export function limitFiles(version: 1 | 2, limits: TenantLimits, v1HasMemsw: boolean): Array<{ controller: string; file: string; value: string }> {
  const quota = limits.cpuCores > 0 ? String(Math.max(1000, Math.round(limits.cpuCores * CPU_PERIOD_US))) : null;
  if (version === 2) {
    return [
      { controller: "", file: "memory.max", value: String(limits.memoryBytes) },
      { controller: "", file: "memory.swap.max", value: "0" },
      { controller: "", file: "pids.max", value: String(limits.pids) },
      { controller: "", file: "cpu.weight", value: String(limits.cpuWeight) },
      { controller: "", file: "cpu.max", value: `${quota ?? "max"} ${CPU_PERIOD_US}` },
    ];
  }
  return [
    { controller: "memory", file: "memory.limit_in_bytes", value: String(limits.memoryBytes) },
    // memsw (RAM + swap) must be set after the RAM limit and never below it.
    ...(v1HasMemsw ? [{ controller: "memory", file: "memory.memsw.limit_in_bytes", value: String(limits.memoryBytes) }] : []),
    { controller: "pids", file: "pids.max", value: String(limits.pids) },
    // v1 shares: 1024 is the default weight, as 100 is on v2.
    { controller: "cpu", file: "cpu.shares", value: String(Math.max(2, Math.round((limits.cpuWeight * 1024) / 100))) },
    { controller: "cpu", file: "cpu.cfs_period_us", value: String(CPU_PERIOD_US) },
    { controller: "cpu", file: "cpu.cfs_quota_us", value: quota ?? "-1" },
  ];
}

/** The `oom_kill N` counter from memory.oom_control (v1) or memory.events (v2); 0 when absent. */
export function parseOomKills(text: string): number {
  const match = /^oom_kill (\d+)$/m.exec(text);
  return match ? Number(match[1]) : 0;
}

/** The cgroup path of this process for `controller` (v1) or the unified hierarchy ("" on v2), from /proc/self/cgroup. */
export function ownCgroupPath(procSelfCgroup: string, controller: string): string | undefined {
  for (const line of procSelfCgroup.split("\n")) {
    const [, controllers, cgroupPath] = /^\d+:([^:]*):(.*)$/.exec(line.trim()) ?? [];
    if (controllers === undefined || cgroupPath === undefined) continue;
    if (controller === "" ? controllers === "" : controllers.split(",").includes(controller)) return cgroupPath;
  }
  return undefined;
}
