import fs from "node:fs/promises";
import path from "node:path";
import { execa } from "execa";
import pLimit from "p-limit";

/** What a loop device is recorded as; anything else in a record (`PENDING`, nothing) means "look". */
const DEVICE = /^\/dev\/loop\d+$/;
/** Written before an attach: a crash before the device is recorded leaves this, and the next mount looks for the device. */
const PENDING = "pending";

/**
 * The loop devices of tenant images. `mount -o loop` would attach one itself, but it first reads
 * every loop device on the host for one already backed by the same file, a cost that grows with
 * the tenants on the node (bench/volume-mount.ts). Here a device is attached with
 * `losetup --find` and recorded in a file of ours (the tenant's meta/), so the device still bound
 * to an image is found again with one read of sysfs: one whose filesystem is still alive in a
 * sandbox's mount namespace after the host's unmount (a second device would put a second ext4 on
 * the same image and corrupt it), or one a crash left attached. Only without a usable record (an
 * image this version never mounted, a crash during an attach) are all devices read, once. Records
 * are not synced: a host crash frees every loop device anyway.
 *
 * Such a device is not freed by the kernel at unmount as `mount -o loop`'s are: the volume's
 * unmount frees it (`release`). Mounts and releases run one at a time: losetup sleeps 200 ms when
 * a concurrent attach takes the free device it was given, and a device reused while it was about
 * to be freed could otherwise be freed and taken by another tenant before its mount. Another
 * program on the host attaching devices can still take one between our check and our use: a
 * mount checks afterwards that its device is still this image's.
 */
export function createLoopDevices() {
  const oneAtATime = pLimit(1);

  return {
    /**
     * Mounts `image` with `mountDevice(device)`, from the device still bound to it or from a newly
     * attached one (recorded in `record`); a `fresh` image (just made) has none bound to it. A device
     * is freed again if the mount fails. `unmount` undoes a mount whose device turned out to belong
     * to another file meanwhile.
     */
    mount: (image: string, record: string, fresh: boolean, mountDevice: (device: string) => Promise<void>, unmount: () => Promise<void>): Promise<void> =>
      oneAtATime(async () => {
        const backing = await fs.realpath(image);
        const bound = fresh ? undefined : await boundDevice(backing, record);
        const device = bound ?? (await attach(image, record));
        if (bound && (await recordOf(record)) !== bound) await fs.writeFile(record, bound); // found by looking
        try {
          await mountDevice(device);
        } catch (err) {
          await releaseNow(backing, record).catch(() => undefined); // the mount's error is the one that matters
          throw err;
        }
        if ((await backingFile(device)) !== backing) {
          await unmount();
          throw new Error(`Loop device ${device} was taken by another file while it was being mounted for ${image}`);
        }
      }),

    /**
     * Frees the device still bound to `image` after its unmount (one a crash left attached), or
     * marks it to free itself at its last unmount when its filesystem is still in use elsewhere.
     * True when no device is bound to the image any more.
     */
    release: (image: string, record: string): Promise<boolean> =>
      oneAtATime(async () => {
        const backing = await fs.realpath(image).catch(() => undefined);
        return backing === undefined || releaseNow(backing, record); // no image: nothing can be bound to it by that name
      }),
  };
}

export type LoopDevices = ReturnType<typeof createLoopDevices>;

/** Attaches `image` to a free device, recording it (and that an attach is under way, before it starts). */
async function attach(image: string, record: string): Promise<string> {
  await fs.mkdir(path.dirname(record), { recursive: true });
  await fs.writeFile(record, PENDING);
  const device = (await execa("losetup", ["--find", "--show", image])).stdout.trim();
  await fs.writeFile(record, device);
  return device;
}

async function recordOf(record: string): Promise<string> {
  return (await fs.readFile(record, "utf8").catch(() => "")).trim();
}

async function releaseNow(backing: string, record: string): Promise<boolean> {
  const device = await boundDevice(backing, record);
  if (!device) return true;
  const result = await execa("losetup", ["--detach", device], { reject: false, all: true });
  const still = await boundDevice(backing, record);
  // A device the unmount freed a moment ago may still have been listed: gone is what we want.
  if (result.exitCode !== 0 && still) throw new Error(`losetup --detach ${device} failed: ${result.all ?? ""}`.trim());
  return still === undefined;
}

/**
 * The device bound to the image at `backing` (its real path, as sysfs shows it): the recorded one
 * while it still is; without a usable record, whichever device losetup finds for it.
 */
async function boundDevice(backing: string, record: string): Promise<string | undefined> {
  const recorded = await recordOf(record);
  if (DEVICE.test(recorded)) return (await backingFile(recorded)) === backing ? recorded : undefined;
  const { stdout } = await execa("losetup", ["--list", "--noheadings", "--output", "NAME", "--associated", backing]);
  return stdout
    .split("\n")
    .find((line) => DEVICE.test(line.trim()))
    ?.trim();
}

/** The file a loop device is bound to (sysfs; ends in " (deleted)" for a deleted one), or undefined when it is free. */
async function backingFile(device: string): Promise<string | undefined> {
  const name = device.slice("/dev/".length);
  const text = await fs.readFile(`/sys/block/${name}/loop/backing_file`, "utf8").catch(() => undefined);
  return text?.replace(/\n$/, "");
}
