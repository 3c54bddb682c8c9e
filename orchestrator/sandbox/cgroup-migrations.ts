import fs from "node:fs/promises";
import { execa } from "execa";

/** The cgroup2 mount option that keeps task migrations from waiting for an RCU grace period. */
const FAVOR_DYNMODS = "favordynmods";

export type MigrationMode = "already" | "enabled" | { unavailable: string };

type Cgroup2Mount = { mountPoint: string; superOptions: string[] };

/** The cgroup2 mounts listed in a /proc/self/mountinfo text, with their superblock options (shared by all of them). */
export function cgroup2Mounts(mountinfo: string): Cgroup2Mount[] {
  const mounts: Cgroup2Mount[] = [];
  for (const line of mountinfo.split("\n")) {
    // "<id> <parent> <dev> <root> <mount point> <options> [optional fields] - <type> <source> <superblock options>"
    const [own, filesystem] = line.split(" - ");
    const mountPoint = own?.split(" ")[4];
    const [type, , superOptions] = filesystem?.split(" ") ?? [];
    if (type !== "cgroup2" || mountPoint === undefined) continue;
    mounts.push({ mountPoint: unescapeMountPath(mountPoint), superOptions: superOptions ? superOptions.split(",") : [] });
  }
  return mounts;
}

/** mountinfo escapes spaces, tabs, newlines and backslashes in paths as octal (`\040`). */
function unescapeMountPath(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8)));
}

/**
 * Every tenant start moves a process into its cgroup. By default the kernel makes each such move
 * wait for an RCU grace period (one lock shared by every hierarchy, v1 and v2): 6–8 ms of every
 * wake on an idle 2-core host. The cgroup2 `favordynmods` option trades that for slightly dearer
 * forks and exits; remounting any cgroup2 mount with it switches the shared lock for the whole
 * host (Linux 6.0+). Already set, or impossible here (no cgroup2 mount, an older kernel, no
 * CAP_SYS_ADMIN): tenants start as before.
 */
export async function favorCgroupMigrations(mountinfoFile = "/proc/self/mountinfo"): Promise<MigrationMode> {
  const mounts = cgroup2Mounts(await fs.readFile(mountinfoFile, "utf8"));
  const target = mounts[0];
  if (!target) return { unavailable: "no cgroup2 filesystem is mounted" };
  if (target.superOptions.includes(FAVOR_DYNMODS)) return "already";
  // A remount sets every superblock option anew: the current ones (nsdelegate, memory_recursiveprot, …) are kept by naming them.
  const options = ["remount", ...target.superOptions, FAVOR_DYNMODS].join(",");
  const result = await execa("mount", ["-o", options, target.mountPoint], { reject: false, all: true });
  if (result.exitCode !== 0) return { unavailable: `mount -o ${options} ${target.mountPoint} failed: ${result.all ?? ""}`.trim() };
  return "enabled";
}
