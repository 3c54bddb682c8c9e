import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { execa } from "execa";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { makeExt4Image } from "./ext4-image";

describe("makeExt4Image", () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "picobase-ext4-image-"));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it.each([false, true])("makes a sparse image of the size asked for holding an ext4 filesystem (made ahead: %s)", async (ahead) => {
    const image = path.join(dir, "volume.img");
    await makeExt4Image(image, 16 * 1024 * 1024, { ahead });
    const stat = fs.statSync(image);
    expect(stat.size).toBe(16 * 1024 * 1024);
    expect(stat.mode & 0o777).toBe(0o600);
    expect(stat.blocks * 512).toBeLessThan(stat.size); // sparse
    expect((await execa("blkid", ["--probe", "--match-tag", "TYPE", "--output", "value", image])).stdout.trim()).toBe("ext4");
    expect(fs.readdirSync(dir)).toEqual(["volume.img"]);
  });

  it("leaves nothing behind when mkfs.ext4 fails", async () => {
    const image = path.join(dir, "volume.img");
    await expect(makeExt4Image(image, 4096)).rejects.toThrow(/mkfs\.ext4/); // too small for a filesystem
    expect(fs.readdirSync(dir)).toEqual([]);
  });
});
