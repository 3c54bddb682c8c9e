import fs from "node:fs/promises";
import path from "node:path";
import { execa } from "execa";
import pLimit from "p-limit";

/** What a loop device is recorded as: nothing else is read back from a record. */
const DEVICE = /^\/dev\/loop\d+$/;

/**
 * The loop devices of tenant images. `mount -o loop` would attach one itself, but it first reads
 * every loop device on the host for one already backed by the same file, a cost that grows with
 * the tenants on the node (bench/volume-mount.ts). Here a device is attached with
 * `losetup --find` and recorded in a file of ours (the tenant's meta/), so the device still bound
 * to an image is found again with one read of sysfs: one left attached by a crash before its
 * mount, or one whose filesystem is still alive in a sandbox's mount namespace after the host's
 * unmount (a second device would mount a second ext4 on the same image and corrupt it). Such a
 * device is not freed by the kernel at unmount (`mount -o loop` asks for that): unmounts free it.
 *
 * Attaching and releasing run one at a time: losetup sleeps 200 ms when a concurrent attach takes
 * the free device it was given, and a release could otherwise detach a device freed and taken
 * meanwhile by another tenant.
 */
export function createLoopDevices() {
  const oneAtATime = pLimit(1);

  return {
    /** The device bound to `image`: the recorded one while it still is, else a newly attached one (then recorded). */
    attach: (image: string, record: string): Promise<string> =>
      oneAtATime(async () => {
        const bound = await recordedDevice(image, record);
        if (bound) return bound;
        const device = (await execa("losetup", ["--find", "--show", image])).stdout.trim();
        await fs.mkdir(path.dirname(record), { recursive: true });
        await fs.writeFile(record, device);
        return device;
      }),

    /**
     * Detaches the recorded device if it is still bound to `image`: after an unmount that did not
     * free it (a crash left it attached), or with the filesystem still in use elsewhere, when the
     * kernel only marks it to free itself at its last unmount.
     */
    release: (image: string, record: string): Promise<void> =>
      oneAtATime(async () => {
        const bound = await recordedDevice(image, record);
        if (!bound) return;
        const result = await execa("losetup", ["--detach", bound], { reject: false, all: true });
        // A device the unmount freed a moment ago may still have been listed: gone is what we want.
        if (result.exitCode !== 0 && (await recordedDevice(image, record))) {
          throw new Error(`losetup --detach ${bound} failed: ${result.all ?? ""}`.trim());
        }
      }),
  };
}

export type LoopDevices = ReturnType<typeof createLoopDevices>;

/** The device in `record` if it is still bound to `image` (its backing file in sysfs). */
async function recordedDevice(image: string, record: string): Promise<string | undefined> {
  const device = (await fs.readFile(record, "utf8").catch(() => "")).trim();
  if (!DEVICE.test(device)) return undefined;
  const backing = await fs.readFile(`/sys/block/${path.basename(device)}/loop/backing_file`, "utf8").catch(() => "");
  return backing.trim() === path.resolve(image) ? device : undefined;
}
