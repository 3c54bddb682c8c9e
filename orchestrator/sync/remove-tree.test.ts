import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { removeFlatTenantFolder, removeTenantTree } from "./remove-tree";

describe.each([
  ["removeTenantTree", removeTenantTree],
  ["removeFlatTenantFolder", removeFlatTenantFolder],
])("%s", (_name, remove) => {
  let dir: string;
  let outside: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "picobase-remove-"));
    outside = path.join(dir, "outside");
    fs.mkdirSync(path.join(outside, "keep"), { recursive: true });
    fs.writeFileSync(path.join(outside, "keep", "secret"), "not the tenant's");
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  const expectOutsideIntact = () => expect(fs.readFileSync(path.join(outside, "keep", "secret"), "utf8")).toBe("not the tenant's");

  it("removes a folder of files and links, deleting the links rather than what they point to", async () => {
    const folder = path.join(dir, "staging");
    fs.mkdirSync(folder);
    fs.writeFileSync(path.join(folder, "data.db"), "copy");
    fs.symlinkSync(path.join(outside, "keep", "secret"), path.join(folder, "to-a-file"));
    fs.symlinkSync(path.join(outside, "keep"), path.join(folder, "to-a-folder"));
    await remove(folder);
    expect(fs.existsSync(folder)).toBe(false);
    expectOutsideIntact();
  });

  it("removes a folder with subfolders and links inside them, never following one", async () => {
    const folder = path.join(dir, "staging");
    fs.mkdirSync(path.join(folder, "sub", "deeper"), { recursive: true });
    fs.writeFileSync(path.join(folder, "sub", "deeper", "f"), "x");
    fs.symlinkSync(path.join(outside, "keep"), path.join(folder, "sub", "link"));
    await remove(folder);
    expect(fs.existsSync(folder)).toBe(false);
    expectOutsideIntact();
  });

  it("is done when the folder is already gone", async () => {
    await expect(remove(path.join(dir, "never-made"))).resolves.toBeUndefined();
  });
});
