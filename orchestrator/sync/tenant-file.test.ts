import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { entryPath, openTenantDir, openTenantFile, RefusedFileError } from "./tenant-file";

const me = process.getuid?.() ?? 0;

describe("openTenantFile / openTenantDir", () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "picobase-tenant-file-"));
    fs.writeFileSync(path.join(dir, "f"), "content");
    fs.mkdirSync(path.join(dir, "sub"));
    fs.writeFileSync(path.join(dir, "sub", "g"), "inner");
    fs.symlinkSync(path.join(dir, "f"), path.join(dir, "link"));
    fs.symlinkSync(path.join(dir, "sub"), path.join(dir, "dirlink"));
    execFileSync("mkfifo", [path.join(dir, "fifo")]);
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  const refusal = (p: Promise<unknown>) =>
    p.then(
      () => "opened",
      (err: unknown) => (err instanceof RefusedFileError ? err.reason : String(err)),
    );

  it("opens a regular file of the expected owner and reads it through the handle", async () => {
    const opened = await openTenantFile(path.join(dir, "f"), me);
    expect(opened?.stat.isFile()).toBe(true);
    expect((await opened?.handle.readFile())?.toString()).toBe("content");
    await opened?.handle.close();
  });

  it.each([
    ["a symlink", "link", /symlink/],
    ["a FIFO, without waiting for a writer", "fifo", /FIFO/],
    ["a directory", "sub", /directory/],
  ])("refuses %s", async (_name, entry, reason) => {
    expect(await refusal(openTenantFile(path.join(dir, entry), me))).toMatch(reason);
  });

  it("refuses a file owned by someone else", async () => {
    expect(await refusal(openTenantFile(path.join(dir, "f"), me + 1))).toMatch(/owned by uid/);
  });

  it("is null for a path that does not exist", async () => {
    expect(await openTenantFile(path.join(dir, "missing"), me)).toBeNull();
    expect(await openTenantDir(path.join(dir, "missing"), me)).toBeNull();
  });

  it("opens directories but not symlinks to them, and reaches entries through the open directory", async () => {
    expect(await refusal(openTenantDir(path.join(dir, "dirlink"), me))).toMatch(/not a directory/);
    expect(await refusal(openTenantDir(path.join(dir, "f"), me))).toMatch(/not a directory/);
    const sub = await openTenantDir(path.join(dir, "sub"), me);
    if (!sub) throw new Error("sub did not open");
    try {
      // The folder is moved and its path becomes a symlink elsewhere: the open handle still means the folder.
      fs.renameSync(path.join(dir, "sub"), path.join(dir, "moved"));
      fs.symlinkSync(os.tmpdir(), path.join(dir, "sub"));
      const inner = await openTenantFile(entryPath(sub, "g"), me);
      expect((await inner?.handle.readFile())?.toString()).toBe("inner");
      await inner?.handle.close();
    } finally {
      await sub.close();
    }
  });
});
