import fs from "node:fs/promises";
import { execa } from "execa";

/** The cgroup2 mount option that keeps task migrations from waiting for an RCU grace period. */
const FAVOR_DYNMODS = "favordynmods";

export type MigrationMode = "already" | "enabled" | { unavailable: string };

type Cgroup2Mount = { mountPoint: string; mountOptions: string[]; superOptions: string[] };

/** The cgroup2 mounts listed in a /proc/self/mountinfo text, with their own and their superblock's options. */
export function cgroup2Mounts(mountinfo: string): Cgroup2Mount[] {
  const mounts: Cgroup2Mount[] = [];
  for (const line of mountinfo.split("\n")) {
    // "<id> <parent> <dev> <root> <mount point> <options> [optional fields] - <type> <source> <superblock options>"
    const [own, filesystem] = line.split(" - ");
    const [, , , , mountPoint, mountOptions] = own?.split(" ") ?? [];
    const [type, , superOptions] = filesystem?.split(" ") ?? [];
    if (type !== "cgroup2" || mountPoint === undefined) continue;
    mounts.push({ mountPoint: unescapeMountPath(mountPoint), mountOptions: options(mountOptions), superOptions: options(superOptions) });
  }
  return mounts;
}

const options = (field: string | undefined) => (field ? field.split(",") : []);

/** mountinfo escapes spaces, tabs, newlines and backslashes in paths as octal (`\040`). */
function unescapeMountPath(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8)));
}

/** The usual places first: a mount listed earlier may be covered by a later one elsewhere. */
const PREFERRED = ["/sys/fs/cgroup", "/sys/fs/cgroup/unified"];

/**
 * The `mount -o` options that add favordynmods to `mount`: a remount sets the mount's own flags
 * and the superblock's options anew, so both are named (`rw` comes from the mount's own options;
 * a read-only mount is never remounted).
 */
export function remountOptions(mount: Cgroup2Mount): string {
  const superOptions = mount.superOptions.filter((o) => o !== "rw" && o !== "ro");
  return ["remount", ...mount.mountOptions, ...superOptions, FAVOR_DYNMODS].join(",");
}

/**
 * Every tenant start moves a process into its cgroup. By default the kernel makes each such move
 * wait for an RCU grace period (one lock shared by every hierarchy, v1 and v2): 6–8 ms of every
 * wake on an idle 2-core host. The cgroup2 `favordynmods` option trades that for slightly dearer
 * forks and exits; remounting any cgroup2 mount with it switches the shared lock for the whole
 * host (Linux 6.0+). Already set, or impossible here (no cgroup2 mount, an older kernel, no
 * CAP_SYS_ADMIN, a cgroup namespace of a container, where the kernel ignores it): tenants start as before.
 */
export async function favorCgroupMigrations(mountinfoFile = "/proc/self/mountinfo"): Promise<MigrationMode> {
  const mounts = cgroup2Mounts(await fs.readFile(mountinfoFile, "utf8"));
  const target = mounts.find((m) => PREFERRED.includes(m.mountPoint)) ?? mounts[0];
  if (!target) return { unavailable: "no cgroup2 filesystem is mounted" };
  if (target.superOptions.includes(FAVOR_DYNMODS)) return "already";
  // A remount with `ro` would make the one cgroup2 superblock read-only for every mount of it.
  if (target.mountOptions.includes("ro")) return { unavailable: `${target.mountPoint} is mounted read-only` };
  const remount = remountOptions(target);
  const result = await execa("mount", ["-o", remount, target.mountPoint], { reject: false, all: true });
  if (result.exitCode !== 0) return { unavailable: `mount -o ${remount} ${target.mountPoint} failed: ${result.all ?? ""}`.trim() };
  const after = cgroup2Mounts(await fs.readFile(mountinfoFile, "utf8")).find((m) => m.mountPoint === target.mountPoint);
  return after?.superOptions.includes(FAVOR_DYNMODS) ? "enabled" : { unavailable: "the kernel kept cgroup2 without favordynmods (a cgroup namespace?)" };
}
