import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createLoopDevices } from "../orchestrator/sandbox/loop-devices";
import { createVolumes } from "../orchestrator/sandbox/volumes";
import { type TenantPaths, tenantPaths } from "../orchestrator/tenant/paths";

const MIB = 1024 * 1024;
const root = process.getuid?.() === 0; // loop devices and mounts need root

/** The loop devices backed by the tenant's image (`losetup -j`). */
async function devicesOf(paths: TenantPaths): Promise<string[]> {
  const { stdout } = await execa("losetup", ["--associated", paths.volumeImage]);
  return stdout
    .split("\n")
    .filter(Boolean)
    .map((line) => line.split(":")[0] ?? "");
}

/** Waits until no loop device is backed by the tenant's image (the kernel frees an autoclear device at its last close). */
async function expectNoDevice(paths: TenantPaths): Promise<void> {
  await vi.waitFor(async () => expect(await devicesOf(paths)).toEqual([]), { timeout: 5_000, interval: 50 });
}

/** The source, type and options of what is mounted at the tenant's volume, or undefined. */
async function mountOf(paths: TenantPaths): Promise<{ source: string; type: string; options: string[] } | undefined> {
  const result = await execa("findmnt", ["--noheadings", "--output", "SOURCE,FSTYPE,OPTIONS", "--mountpoint", paths.volume], { reject: false });
  if (result.exitCode !== 0) return undefined;
  const [source = "", type = "", options = ""] = result.stdout.trim().split(/\s+/);
  return { source, type, options: options.split(",") };
}

describe.runIf(root)("tenant volumes", () => {
  const volumes = createVolumes();
  let dir: string;
  const tenant = (id: string) => tenantPaths(dir, id);

  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "picobase-volumes-"));
  });
  afterAll(async () => {
    for (const id of fs.readdirSync(dir)) await volumes.unmount(tenant(id)).catch(() => undefined);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("mounts the image from its own loop device as ext4, nosuid, nodev, nosymfollow, and frees the device at unmount", async () => {
    const paths = tenant("mounted");
    await volumes.ensure(paths, 16 * MIB);
    const [device] = await devicesOf(paths);
    expect(await devicesOf(paths)).toHaveLength(1);
    expect(await mountOf(paths)).toMatchObject({ source: device, type: "ext4" });
    expect((await mountOf(paths))?.options).toEqual(expect.arrayContaining(["nosuid", "nodev", "nosymfollow", "noatime"]));
    await volumes.ensure(paths, 16 * MIB); // already mounted: nothing more attached
    expect(await devicesOf(paths)).toEqual([device]);

    await volumes.unmount(paths);
    expect(await mountOf(paths)).toBeUndefined();
    await expectNoDevice(paths); // a device left attached would hold the image (and a loop device) forever
  });

  it("mounts the same device again while the filesystem is still alive elsewhere (never a second ext4 on one image)", async () => {
    const paths = tenant("alive");
    const elsewhere = path.join(dir, "elsewhere");
    fs.mkdirSync(elsewhere);
    await volumes.ensure(paths, 16 * MIB);
    const [device] = await devicesOf(paths);
    // As a sandbox's mount namespace would: the filesystem stays in use after the host's unmount.
    await execa("mount", ["--bind", paths.volume, elsewhere]);
    try {
      await volumes.unmount(paths);
      expect(await devicesOf(paths)).toEqual([device]);
      await volumes.ensure(paths, 16 * MIB);
      expect(await devicesOf(paths)).toEqual([device]);
      expect((await mountOf(paths))?.source).toBe(device);
      await volumes.unmount(paths);
    } finally {
      await execa("umount", [elsewhere]);
    }
    await expectNoDevice(paths); // freed at its last unmount
  });

  it("takes over a device left attached before its mount (a crash), and frees one left so when the volume is released", async () => {
    const paths = tenant("crashed");
    await volumes.ensure(paths, 16 * MIB);
    await volumes.unmount(paths);
    const loops = createLoopDevices();
    const left = await loops.attach(paths.volumeImage, paths.loopDeviceFile); // attached, never mounted
    await volumes.ensure(paths, 16 * MIB);
    expect(await devicesOf(paths)).toEqual([left]);
    await volumes.unmount(paths);
    await expectNoDevice(paths);

    await loops.attach(paths.volumeImage, paths.loopDeviceFile);
    await volumes.unmount(paths); // not mounted: the device alone is freed
    await expectNoDevice(paths);
  });

  it("grows the image for a larger quota with one loop device attached throughout", async () => {
    const paths = tenant("grown");
    await volumes.ensure(paths, 16 * MIB);
    await volumes.ensure(paths, 64 * MIB); // unmounted, grown, mounted again
    expect((await fs.promises.statfs(paths.volume)).blocks * (await fs.promises.statfs(paths.volume)).bsize).toBeGreaterThanOrEqual(64 * MIB);
    expect(await devicesOf(paths)).toHaveLength(1);
    await volumes.unmount(paths);
    await expectNoDevice(paths);
  });

  it("frees the loop device when the image does not mount", async () => {
    const paths = tenant("broken");
    fs.mkdirSync(paths.volume, { recursive: true });
    fs.writeFileSync(paths.volumeImage, Buffer.alloc(8 * MIB)); // no filesystem on it
    await expect(volumes.ensure(paths, 4 * MIB)).rejects.toThrow(/mount/);
    await expectNoDevice(paths);
  });
});
