import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { cgroup2Mounts, favorCgroupMigrations, remountOptions } from "./cgroup-migrations";

const HYBRID = [
  "25 30 0:23 / /sys/fs/cgroup ro,nosuid,nodev,noexec shared:9 - tmpfs tmpfs ro,mode=755",
  "26 25 0:24 / /sys/fs/cgroup/unified rw,nosuid,nodev,noexec,relatime shared:10 - cgroup2 cgroup2 rw,nsdelegate",
  "27 25 0:25 / /sys/fs/cgroup/memory rw,nosuid,nodev,noexec,relatime shared:11 - cgroup cgroup rw,memory",
].join("\n");

describe("cgroup2Mounts", () => {
  it("finds the cgroup2 mounts of a hybrid host with their superblock options, not the v1 ones", () => {
    expect(cgroup2Mounts(HYBRID)).toEqual([
      { mountPoint: "/sys/fs/cgroup/unified", mountOptions: ["rw", "nosuid", "nodev", "noexec", "relatime"], superOptions: ["rw", "nsdelegate"] },
    ]);
  });

  it("reads optional fields, escaped paths and a mount that already favours dynamic changes", () => {
    const text =
      "30 1 0:26 / /sys/fs/cgroup rw,nosuid shared:4 master:1 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot,favordynmods\n" +
      "31 1 0:26 / /mnt/with\\040space rw - cgroup2 none rw,favordynmods";
    expect(cgroup2Mounts(text)).toEqual([
      { mountPoint: "/sys/fs/cgroup", mountOptions: ["rw", "nosuid"], superOptions: ["rw", "nsdelegate", "memory_recursiveprot", "favordynmods"] },
      { mountPoint: "/mnt/with space", mountOptions: ["rw"], superOptions: ["rw", "favordynmods"] },
    ]);
  });

  it("remounts with the mount's own flags and the superblock's options named", () => {
    const [mount] = cgroup2Mounts("26 25 0:24 / /sys/fs/cgroup rw,nosuid,nodev,noexec shared:10 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot");
    expect(mount && remountOptions(mount)).toBe("remount,rw,nosuid,nodev,noexec,nsdelegate,memory_recursiveprot,favordynmods");
  });

  it("leaves a read-only cgroup2 mount alone (a remount would make the shared superblock read-only)", async () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "mountinfo-")), "mountinfo");
    fs.writeFileSync(file, "26 25 0:24 / /sys/fs/cgroup ro,nosuid,nodev,noexec shared:10 - cgroup2 cgroup2 rw,nsdelegate\n");
    expect(await favorCgroupMigrations(file)).toEqual({ unavailable: "/sys/fs/cgroup is mounted read-only" });
  });

  it("lists nothing on a host without cgroup2", () => {
    expect(
      cgroup2Mounts(
        HYBRID.split("\n")
          .filter((l) => !l.includes("cgroup2"))
          .join("\n"),
      ),
    ).toEqual([]);
  });
});

const hasCgroup2 = cgroup2Mounts(fs.readFileSync("/proc/self/mountinfo", "utf8")).length > 0;

describe.skipIf(process.getuid?.() !== 0 || !hasCgroup2)("favorCgroupMigrations on this host", () => {
  it("leaves the host's cgroup2 mount favouring dynamic changes, its other options kept", async () => {
    const [before] = cgroup2Mounts(fs.readFileSync("/proc/self/mountinfo", "utf8"));
    const mode = await favorCgroupMigrations();
    expect(["enabled", "already"]).toContain(mode);
    const [after] = cgroup2Mounts(fs.readFileSync("/proc/self/mountinfo", "utf8"));
    expect(after?.superOptions).toContain("favordynmods");
    for (const option of before?.superOptions ?? []) expect(after?.superOptions).toContain(option);
    for (const option of before?.mountOptions ?? []) expect(after?.mountOptions).toContain(option);
    expect(await favorCgroupMigrations()).toBe("already");
  });
});
