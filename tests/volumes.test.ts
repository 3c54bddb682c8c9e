import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
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
    expect(await devicesOf(paths)).toEqual([]); // a device left attached would hold the image (and a loop device) forever
  });

  it("grows the image for a larger quota with one loop device attached throughout", async () => {
    const paths = tenant("grown");
    await volumes.ensure(paths, 16 * MIB);
    await volumes.ensure(paths, 64 * MIB); // unmounted, grown, mounted again
    expect((await fs.promises.statfs(paths.volume)).blocks * (await fs.promises.statfs(paths.volume)).bsize).toBeGreaterThanOrEqual(64 * MIB);
    expect(await devicesOf(paths)).toHaveLength(1);
    await volumes.unmount(paths);
    expect(await devicesOf(paths)).toEqual([]);
  });

  it("frees the loop device when the image does not mount", async () => {
    const paths = tenant("broken");
    fs.mkdirSync(paths.volume, { recursive: true });
    fs.writeFileSync(paths.volumeImage, Buffer.alloc(8 * MIB)); // no filesystem on it
    await expect(volumes.ensure(paths, 4 * MIB)).rejects.toThrow(/mount/);
    expect(await devicesOf(paths)).toEqual([]);
  });
});
