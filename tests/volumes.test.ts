import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createLogger } from "../orchestrator/logger";
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

/** The UUID mkfs gave the filesystem in an image: tells one image from another. */
async function filesystemId(image: string): Promise<string> {
  return (await execa("blkid", ["--probe", "--match-tag", "UUID", "--output", "value", image])).stdout.trim();
}

describe.runIf(root)("tenant volumes", () => {
  const volumes = createVolumes();
  let dir: string;
  let linked: string;
  const tenant = (id: string) => tenantPaths(dir, id);

  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "picobase-volumes-"));
    linked = `${dir}-link`;
    fs.symlinkSync(dir, linked);
  });
  afterAll(async () => {
    for (const id of fs.readdirSync(dir)) await volumes.unmount(tenant(id)).catch(() => undefined);
    fs.rmSync(linked, { force: true });
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

  /** Runs `body` while the tenant's filesystem is also mounted at another folder, as a sandbox's mount namespace would hold it after the host's unmount. */
  async function aliveElsewhere(paths: TenantPaths, body: () => Promise<void>): Promise<void> {
    const elsewhere = fs.mkdtempSync(path.join(os.tmpdir(), "picobase-volumes-elsewhere-"));
    await execa("mount", ["--bind", paths.volume, elsewhere]);
    try {
      await body();
    } finally {
      await execa("umount", [elsewhere]);
      fs.rmdirSync(elsewhere);
    }
  }

  it.each([
    ["its folder", () => tenant("alive")],
    ["a symlink to its folder (sysfs shows the real path)", () => tenantPaths(linked, "alive-linked")],
  ])("mounts the same device again while the filesystem is still alive elsewhere, found through %s", async (_name, pathsOf) => {
    const paths = pathsOf();
    await volumes.ensure(paths, 16 * MIB);
    const [device] = await devicesOf(paths);
    await aliveElsewhere(paths, async () => {
      await volumes.unmount(paths);
      expect(await devicesOf(paths)).toEqual([device]); // in use: only marked to free itself
      await volumes.ensure(paths, 16 * MIB);
      expect(await devicesOf(paths)).toEqual([device]); // never a second ext4 on one image
      expect((await mountOf(paths))?.source).toBe(device);
      await volumes.unmount(paths);
    });
    await expectNoDevice(paths); // freed at its last unmount
  });

  it("does not grow an image whose filesystem is still alive elsewhere, and grows it at a later start", async () => {
    const paths = tenant("grow-alive");
    await volumes.ensure(paths, 16 * MIB);
    const size = fs.statSync(paths.volumeImage).size;
    await aliveElsewhere(paths, async () => {
      await volumes.unmount(paths);
      await volumes.ensure(paths, 64 * MIB); // e2fsck and resize2fs under a mounted filesystem would corrupt it
      expect(fs.statSync(paths.volumeImage).size).toBe(size);
      expect(await devicesOf(paths)).toHaveLength(1);
      await volumes.unmount(paths);
    });
    await expectNoDevice(paths);
    await volumes.ensure(paths, 64 * MIB);
    expect(fs.statSync(paths.volumeImage).size).toBeGreaterThan(size);
    await volumes.unmount(paths);
    await expectNoDevice(paths);
  });

  it.each([
    ["after recording it", (device: string) => device],
    ["before recording it", () => "pending"],
  ])("takes over a device a crash left attached %s, and frees one when the volume is released", async (_name, recorded) => {
    const paths = tenant(`crashed-${recorded("x")}`);
    await volumes.ensure(paths, 16 * MIB);
    await volumes.unmount(paths);
    await expectNoDevice(paths);
    // What a crash between an attach and its mount leaves.
    const leave = async () => {
      const device = (await execa("losetup", ["--find", "--show", paths.volumeImage])).stdout.trim();
      fs.writeFileSync(paths.loopDeviceFile, recorded(device));
      return device;
    };
    const left = await leave();
    await volumes.ensure(paths, 16 * MIB);
    expect(await devicesOf(paths)).toEqual([left]);
    expect(fs.readFileSync(paths.loopDeviceFile, "utf8")).toBe(left);
    await volumes.unmount(paths);
    await expectNoDevice(paths);

    await leave();
    await volumes.unmount(paths); // not mounted: the device alone is freed (a tenant being deleted)
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

  it("with two devices on one image (a crash during an attach), frees the idle one and mounts the one in use", async () => {
    const paths = tenant("two-devices");
    await volumes.ensure(paths, 16 * MIB);
    const [inUse] = await devicesOf(paths);
    await aliveElsewhere(paths, async () => {
      await volumes.unmount(paths);
      const idle = (await execa("losetup", ["--find", "--show", paths.volumeImage])).stdout.trim();
      fs.writeFileSync(paths.loopDeviceFile, "pending");
      expect((await devicesOf(paths)).sort()).toEqual([inUse, idle].sort());
      await volumes.ensure(paths, 16 * MIB);
      expect(await devicesOf(paths)).toEqual([inUse]);
      expect((await mountOf(paths))?.source).toBe(inUse);
      await volumes.unmount(paths);
    });
    await expectNoDevice(paths);
    await volumes.ensure(paths, 16 * MIB); // the recorded device was freed by someone else: looked for, none found
    await volumes.unmount(paths);
    expect(fs.readFileSync(paths.loopDeviceFile, "utf8")).toBe("released"); // so the next mount attaches without looking
    await expectNoDevice(paths);
  });

  it("never makes a new image over one it cannot read", async () => {
    const paths = tenant("unreadable");
    fs.mkdirSync(paths.root, { recursive: true });
    fs.symlinkSync(paths.volumeImage, paths.volumeImage); // stat fails with ELOOP, not ENOENT
    await expect(volumes.ensure(paths, 16 * MIB)).rejects.toThrow(/ELOOP/);
    expect(fs.readlinkSync(paths.volumeImage)).toBe(paths.volumeImage);
    fs.rmSync(paths.volumeImage);
  });

  it("unmounts a tenant that never had a volume without an error", async () => {
    await volumes.unmount(tenant("never-mounted"));
  });

  it("frees the loop device when the image does not mount", async () => {
    const paths = tenant("broken");
    fs.mkdirSync(paths.volume, { recursive: true });
    fs.writeFileSync(paths.volumeImage, Buffer.alloc(8 * MIB)); // no filesystem on it
    await expect(volumes.ensure(paths, 4 * MIB)).rejects.toThrow(/mount/);
    await expectNoDevice(paths);
  });

  it("takes a new tenant's image from the pool once the size is known, and it mounts with the quota's capacity", async () => {
    const pool = path.join(dir, "..", `${path.basename(dir)}-pool`);
    const pooled = createVolumes({ pool: { dir: pool, size: 1, delayMs: 0, log: createLogger("silent") } });
    try {
      await pooled.ensure(tenant("pool-learn"), 32 * MIB); // made at the quota and grown: the fresh size is learned, the pool fills
      await vi.waitFor(() => expect(fs.readdirSync(pool).filter((name) => name.endsWith(".img"))).toHaveLength(1), { timeout: 10_000 });
      const [ready = ""] = fs.readdirSync(pool);
      const uuid = await filesystemId(path.join(pool, ready));

      const paths = tenant("pool-hit");
      await pooled.ensure(paths, 32 * MIB);
      expect(await filesystemId(paths.volumeImage)).toBe(uuid); // moved in, not made
      expect(fs.statSync(paths.volumeImage).size).toBe(Number(ready.split("-")[0])); // and not grown: made at the learned size
      expect(await mountOf(paths)).toMatchObject({ type: "ext4" });
      const s = await fs.promises.statfs(paths.volume);
      expect(s.blocks * s.bsize).toBeGreaterThanOrEqual(32 * MIB + 4 * MIB); // the quota and its headroom
      expect(fs.readdirSync(paths.volume)).toEqual(["lost+found"]); // a fresh filesystem
      expect(await devicesOf(paths)).toHaveLength(1);
    } finally {
      await pooled.close();
      for (const id of ["pool-learn", "pool-hit"]) await pooled.unmount(tenant(id));
      fs.rmSync(pool, { recursive: true, force: true });
    }
  });
});
