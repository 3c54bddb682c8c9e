import { describe, expect, it } from "vitest";
import { limitFiles, ownCgroupPath, parseOomKills } from "./cgroup-files";

const limits = { memoryBytes: 256 * 1024 * 1024, pids: 64, cpuWeight: 100, cpuCores: 1 };

describe("limitFiles", () => {
  it("v2 writes one folder's files", () => {
    expect(limitFiles(2, limits, false)).toEqual([
      { controller: "", file: "memory.max", value: "268435456" },
      { controller: "", file: "memory.swap.max", value: "0" },
      { controller: "", file: "pids.max", value: "64" },
      { controller: "", file: "cpu.weight", value: "100" },
      { controller: "", file: "cpu.max", value: "100000 100000" },
    ]);
  });

  it("v1 spreads over controllers, memsw only when the kernel accounts swap", () => {
    const files = limitFiles(1, { ...limits, cpuWeight: 50, cpuCores: 0.5 }, true);
    expect(files.map((f) => `${f.controller}/${f.file}=${f.value}`)).toEqual([
      "memory/memory.limit_in_bytes=268435456",
      "memory/memory.memsw.limit_in_bytes=268435456",
      "pids/pids.max=64",
      "cpu/cpu.shares=512",
      "cpu/cpu.cfs_period_us=100000",
      "cpu/cpu.cfs_quota_us=50000",
    ]);
    expect(limitFiles(1, limits, false).some((f) => f.file.includes("memsw"))).toBe(false);
  });

  it("0 cores means no CPU quota", () => {
    expect(limitFiles(2, { ...limits, cpuCores: 0 }, false).at(-1)?.value).toBe("max 100000");
    expect(limitFiles(1, { ...limits, cpuCores: 0 }, false).at(-1)?.value).toBe("-1");
  });
});

describe("parseOomKills", () => {
  it.each([
    ["oom_kill_disable 0\nunder_oom 0\noom_kill 3\n", 3],
    ["low 0\nhigh 0\nmax 7\noom 2\noom_kill 2\noom_group_kill 0\n", 2],
    ["oom_kill_disable 0\nunder_oom 0\n", 0],
  ])("%j → %i", (text, expected) => expect(parseOomKills(text)).toBe(expected));
});

describe("ownCgroupPath", () => {
  const hybrid = "9:name=systemd:/\n8:pids:/\n4:memory:/process_api/abc\n1:cpu,cpuacct:/svc\n0::/user.slice\n";
  it.each([
    ["memory", "/process_api/abc"],
    ["cpu", "/svc"],
    ["pids", "/"],
    ["", "/user.slice"],
    ["freezer", undefined],
  ])("%s → %s", (controller, expected) => expect(ownCgroupPath(hybrid, controller)).toBe(expected));
});
