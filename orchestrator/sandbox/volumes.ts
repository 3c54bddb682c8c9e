import fs from "node:fs/promises";
import path from "node:path";
import type { TenantPaths } from "../tenant/paths";
import { isCode } from "../sync/local-files";
import { makeExt4Image } from "./ext4-image";
import { createLoopDevices, type LoopDevices } from "./loop-devices";
import { runTool } from "./run-tool";
import { createVolumePool, type VolumePoolOptions } from "./volume-pool";

/** Disk use of one tenant volume, from statfs (no walk). */
export type VolumeUsage = { usedBytes: number; sizeBytes: number };

/**
 * The image is this much larger than the quota: writes through the gateway stop (507) at the
 * quota, while PocketBase keeps room for its own bookkeeping (request logs, WAL checkpoints), so a
 * tenant at its quota can still start, read and delete. Hooks writing files directly stop at the
 * image size, which the kernel enforces.
 */
function headroomBytes(quotaBytes: number): number {
  return Math.max(4 * 1024 * 1024, Math.round(quotaBytes * 0.05));
}

/**
 * Per-tenant disk quotas as filesystem images: each tenant's folders live on its own ext4 image
 * (sparse, so it costs only what is written) mounted at `paths.volume`. The kernel enforces the
 * size (a full volume answers ENOSPC to that tenant alone), usage is one statfs, and hooks writing
 * files directly are bounded as much as uploads through the gateway. Needs root (mount, loop
 * devices); this kernel's ext4/XFS project quotas are not relied on, as many hosts lack them.
 */
export function createVolumes(options: { pool?: Omit<VolumePoolOptions, "makeImage"> } = {}) {
  /**
   * Image size that gave a fresh filesystem at least `wanted` bytes, per `wanted`: ext4's own share
   * depends only on the size, so after the first tenant a new image is made large enough at once
   * instead of being grown (unmount, e2fsck, resize2fs, mount: four more processes per first start).
   */
  const freshImageBytes = new Map<number, number>();
  const mountOptions = createMountOptions();
  const loops = createLoopDevices();
  const pool = options.pool ? createVolumePool({ ...options.pool, makeImage: (file, bytes) => makeExt4Image(file, bytes, { ahead: true }) }) : undefined;
  return {
    /**
     * Creates the image on first use (a ready one from the pool when there is one of its size),
     * grows it when the quota grew, and mounts it when it is not mounted (an orchestrator restart
     * keeps mounts). Tenant folders inside are created by the caller.
     */
    async ensure(paths: TenantPaths, quotaBytes: number): Promise<void> {
      const wanted = quotaBytes + headroomBytes(quotaBytes);
      await fs.mkdir(paths.volume, { recursive: true, mode: 0o755 });
      const imageExists = await fs.stat(paths.volumeImage).then(
        () => true,
        (err: unknown) => {
          if (isCode(err, "ENOENT")) return false;
          throw err; // an image that cannot be read is not made again over the tenant's data
        },
      );
      if (!imageExists) {
        if (await isMountPoint(paths.volume)) throw new Error(`${paths.volume} is mounted but its image is missing`);
        // Ready images are of sizes learned from a first growth: an image of `wanted` is grown after.
        const bytes = freshImageBytes.get(wanted);
        if (bytes === undefined || !(await pool?.take(paths.volumeImage, bytes))) await makeExt4Image(paths.volumeImage, bytes ?? wanted);
      }
      if (!(await isMountPoint(paths.volume))) await mount(loops, paths, !imageExists);
      else if (!(await mountOptions(paths.volume)).includes("nosymfollow")) await runTool("mount", ["-o", `remount,${SYMLINK_SAFE}`, paths.volume]); // mounted by an older version
      const grown = await growToCapacity(loops, paths, wanted);
      if (!imageExists && grown) {
        const fresh = freshSizeFor(wanted, (await fs.stat(paths.volumeImage)).size);
        freshImageBytes.set(wanted, fresh);
        pool?.keepReady(fresh);
      }
      await fs.chmod(paths.volume, 0o711);
    },
    /** True while the tenant's volume is mounted. */
    isMounted: (paths: TenantPaths): Promise<boolean> => isMountPoint(paths.volume),
    async usage(paths: TenantPaths): Promise<VolumeUsage> {
      const s = await fs.statfs(paths.volume);
      return { usedBytes: (s.blocks - s.bfree) * s.bsize, sizeBytes: s.blocks * s.bsize };
    },
    /** Unmounts the tenant's volume (when mounted) and frees its loop device. */
    async unmount(paths: TenantPaths): Promise<void> {
      await unmount(loops, paths);
    },
    /** Shutdown: stops making images ahead (unmounting the volumes is TenantDisk.close's part). */
    close: async (): Promise<void> => pool?.close(),
  };
}

export type Volumes = ReturnType<typeof createVolumes>;

/**
 * ext4 keeps part of an image for itself (journal, inode tables), so the usable capacity is found
 * by measuring: until the filesystem offers `wanted` bytes (at creation, or when the quota was
 * raised), the image is unmounted, grown and resized offline (online resizing needs
 * CAP_SYS_RESOURCE, which containers often lack), and mounted again. Never shrunk in place.
 */
async function growToCapacity(loops: LoopDevices, paths: TenantPaths, wanted: number): Promise<boolean> {
  for (let round = 0; round < 3; round++) {
    const s = await fs.statfs(paths.volume);
    const deficit = wanted - s.blocks * s.bsize;
    if (deficit <= 0) return round > 0;
    if (!(await unmount(loops, paths))) {
      // Still mounted in a sandbox's namespace (a survivor of a crash): checking and resizing the
      // image under it would corrupt it. Mounted again as it is; the next start grows it.
      await mount(loops, paths);
      return false;
    }
    const { size } = await fs.stat(paths.volumeImage);
    await fs.truncate(paths.volumeImage, size + Math.ceil(deficit / MIB) * MIB + MIB);
    // resize2fs insists on a freshly checked filesystem; exit code 1 is "errors corrected" (e.g. the
    // block bitmap padding of a lazily initialised image), after which it is clean.
    await runTool("e2fsck", ["-f", "-p", paths.volumeImage], { okCodes: [0, 1] });
    await runTool("resize2fs", [paths.volumeImage]);
    await mount(loops, paths);
  }
  return true;
}

/**
 * The size to make the next fresh image for `wanted`, from the size a grown one reached: a fresh
 * filesystem of that size reserves a little more (inode tables scale with size) than one grown to
 * it, so a thirty-second of the growth is added (ext4 keeps under 2% of what is added).
 */
function freshSizeFor(wanted: number, grownSize: number): number {
  return grownSize + Math.ceil((grownSize - wanted) / 32 / MIB) * MIB + MIB;
}

const MIB = 1024 * 1024;

/**
 * nosymfollow: the kernel follows no symlink on a tenant's disk, so no root process that opens a
 * tenant's file by path (Litestream opens each data.db) can be redirected to another file.
 */
const SYMLINK_SAFE = "nosymfollow";

/**
 * Mounts the image from its loop device (`loop-devices.ts`; none is bound to a `fresh` one) as
 * ext4, never a type guessed from what a tenant wrote. nosuid/nodev: nothing on a tenant's disk
 * can carry privileges; noatime saves writes.
 */
function mount(loops: LoopDevices, paths: TenantPaths, fresh = false): Promise<void> {
  return loops.mount(
    paths.volumeImage,
    paths.loopDeviceFile,
    fresh,
    (device) => runTool("mount", ["-t", "ext4", "-o", `nosuid,nodev,noatime,${SYMLINK_SAFE}`, device, paths.volume], { timeoutMs: MOUNT_TIMEOUT_MS }),
    () => runTool("umount", [paths.volume], { timeoutMs: MOUNT_TIMEOUT_MS }),
  );
}

/**
 * Unmounts a tenant's volume and frees its loop device: `umount` detaches the one it unmounts, and
 * a device still bound to the image (attached before a crash, never mounted) is freed too. False
 * when a device stays bound: the filesystem is still in use elsewhere (it frees itself after).
 */
async function unmount(loops: LoopDevices, paths: TenantPaths): Promise<boolean> {
  if (await isMountPoint(paths.volume)) await runTool("umount", ["--detach-loop", paths.volume], { timeoutMs: MOUNT_TIMEOUT_MS });
  return loops.release(paths.volumeImage, paths.loopDeviceFile);
}

/** How long one read of /proc/self/mountinfo answers for every volume. */
const MOUNTINFO_TTL_MS = 5_000;

/**
 * The mount options of the filesystem mounted at a folder. /proc/self/mountinfo lists every
 * tenant's volume, so reading it per volume made an orchestrator restart with N running tenants
 * read N lines N times; one read serves all the checks of a few seconds. Only "nosymfollow" is
 * asked for, which only we add: an outdated answer at worst remounts once more.
 */
function createMountOptions(now: () => number = Date.now) {
  let cached: { at: number; options: Promise<Map<string, string[]>> } | undefined;
  const read = async () => {
    const byMountPoint = new Map<string, string[]>();
    for (const line of (await fs.readFile("/proc/self/mountinfo", "utf8")).split("\n")) {
      const fields = line.split(" ");
      if (fields[4] !== undefined) byMountPoint.set(fields[4], fields[5]?.split(",") ?? []);
    }
    return byMountPoint;
  };
  return async (dir: string): Promise<string[]> => {
    if (!cached || now() - cached.at > MOUNTINFO_TTL_MS) {
      const entry = { at: now(), options: read() };
      cached = entry;
      entry.options.catch(() => {
        if (cached === entry) cached = undefined; // read again next time; the caller gets the error
      });
    }
    return (await cached.options).get(dir) ?? [];
  };
}

async function isMountPoint(dir: string): Promise<boolean> {
  const self = await fs.stat(dir).catch((err: NodeJS.ErrnoException) => {
    if (err.code === "ENOENT") return undefined; // never created: certainly not mounted
    throw err;
  });
  return self !== undefined && self.dev !== (await fs.stat(path.dirname(dir))).dev;
}

/** How long a mount or unmount may take before it counts as hung (mounts wait for each other: loop-devices.ts). */
const MOUNT_TIMEOUT_MS = 120_000;
