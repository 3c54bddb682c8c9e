import fs from "node:fs/promises";
import path from "node:path";
import { execa } from "execa";
import pLimit from "p-limit";

/** A record naming the device last attached for the image (it may have been freed since). */
const DEVICE = /^\/dev\/loop\d+$/;
/** A record saying a release left no device bound to the image: the next mount attaches one without looking. */
const RELEASED = "released";
/** Written before an attach: a crash before the device is recorded leaves this, and the next mount looks. */
const PENDING = "pending";
/** How long one losetup may take before it counts as hung (it runs in the slot every tenant's mount waits for). */
const LOSETUP_TIMEOUT_MS = 30_000;

/**
 * The loop devices of tenant images. `mount -o loop` would attach one itself, but it first reads
 * every loop device on the host for one already backed by the same file, a cost that grows with
 * the tenants on the node (bench/volume-mount.ts). Here a device is attached with
 * `losetup --find` and recorded in a file of ours (the tenant's meta/), so the device still bound
 * to an image is found again with one read of sysfs: one whose filesystem is still alive in a
 * sandbox's mount namespace after the host's unmount (a second device would put a second ext4 on
 * the same image and corrupt it), or one a crash left attached. A release that leaves nothing
 * bound says so in the record. Only when the record cannot answer (an image this version never
 * mounted, a crash during an attach, a recorded device freed by someone else) are all devices
 * read, once, by losetup (which matches the file itself, not its path). Records are not synced: a
 * host crash frees every loop device anyway.
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
     * to another file meanwhile. Refuses when two devices stay bound to the image (both in use).
     */
    mount: (image: string, record: string, fresh: boolean, mountDevice: (device: string) => Promise<void>, unmount: () => Promise<void>): Promise<void> =>
      oneAtATime(async () => {
        const backing = await fs.realpath(image);
        let bound = fresh ? [] : await boundDevices(backing, record, "look");
        if (bound.length > 1) bound = await detachAll(bound, backing); // the idle ones go; one in use only gets marked
        if (bound.length > 1) throw new Error(`${image} is attached to ${bound.join(", ")}, all in use: not mounting it again`);
        const device = bound[0] ?? (await attach(image, record));
        if (bound[0]) await writeRecord(record, device); // found by losetup, it may not be the recorded one
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
     * Frees the devices still bound to `image` after its unmount (one a crash left attached), or
     * marks one to free itself at its last unmount when its filesystem is still in use elsewhere.
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
  await writeRecord(record, PENDING);
  const device = (await execa("losetup", ["--find", "--show", image], { timeout: LOSETUP_TIMEOUT_MS })).stdout.trim();
  await writeRecord(record, device);
  return device;
}

async function releaseNow(backing: string, record: string): Promise<boolean> {
  const left = await detachAll(await boundDevices(backing, record, "trust"), backing);
  if (left.length === 0) await writeRecord(record, RELEASED);
  return left.length === 0;
}

/** Detaches each of `devices` (one still in use is only marked to free itself); those still bound to `backing` after. */
async function detachAll(devices: string[], backing: string): Promise<string[]> {
  const left: string[] = [];
  for (const device of devices) {
    const result = await execa("losetup", ["--detach", device], { reject: false, all: true, timeout: LOSETUP_TIMEOUT_MS });
    const still = (await backingFile(device)) === backing;
    // A device freed a moment ago (by the unmount) may still have been listed: gone is what we want.
    if (result.exitCode !== 0 && still) throw new Error(`losetup --detach ${device} failed: ${result.all ?? ""}`.trim());
    if (still) left.push(device);
  }
  return left;
}

/**
 * The devices bound to the image at `backing` (its real path, as sysfs shows it). From the record
 * when it can answer: a release left none, or the recorded device is still bound. Otherwise losetup
 * reads every device; with `"trust"` (a release after an unmount, which freed the recorded device
 * itself), a recorded device that is free already is taken as the answer.
 */
async function boundDevices(backing: string, record: string, stale: "look" | "trust"): Promise<string[]> {
  const recorded = await recordOf(record);
  if (recorded === RELEASED) return [];
  if (DEVICE.test(recorded)) {
    if ((await backingFile(recorded)) === backing) return [recorded];
    if (stale === "trust") return [];
  }
  const { stdout } = await execa("losetup", ["--list", "--noheadings", "--output", "NAME", "--associated", backing], { timeout: LOSETUP_TIMEOUT_MS });
  return stdout
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => DEVICE.test(line));
}

async function recordOf(record: string): Promise<string> {
  return (await fs.readFile(record, "utf8").catch(() => "")).trim();
}

async function writeRecord(record: string, text: string): Promise<void> {
  await fs.mkdir(path.dirname(record), { recursive: true });
  await fs.writeFile(record, text);
}

/** The file a loop device is bound to (sysfs; ends in " (deleted)" for a deleted one), or undefined when it is free. */
async function backingFile(device: string): Promise<string | undefined> {
  const name = device.slice("/dev/".length);
  const text = await fs.readFile(`/sys/block/${name}/loop/backing_file`, "utf8").catch(() => undefined);
  return text?.replace(/\n$/, "");
}
