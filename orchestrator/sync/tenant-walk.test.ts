import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { tenantPaths, type TenantPaths } from "../tenant/paths";
import { walkPersistedFiles, type WalkOptions } from "./tenant-walk";

async function walk(paths: TenantPaths, options: Partial<WalkOptions> = {}): Promise<{ files: string[]; refused: string[] }> {
  const files: string[] = [];
  const refused: string[] = [];
  const onRefused = (p: string, reason: string) => void refused.push(`${p}: ${reason}`);
  for await (const f of walkPersistedFiles(paths, { ownerUid: null, onRefused, ...options })) files.push(f.path);
  return { files, refused };
}

describe("walkPersistedFiles", () => {
  let dir: string;
  let paths: TenantPaths;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "picobase-walk-"));
    paths = tenantPaths(dir, "t1");
    const storage = path.join(paths.dataDir, "storage");
    for (const d of ["col/rec", "col-b", "col.c", "col/rec-2"]) fs.mkdirSync(path.join(storage, d), { recursive: true });
    for (const f of ["col/rec/a.txt", "col/rec/a.txt.attrs", "col-b/x", "col.c/y", "col/rec-2/z", "col/z"]) fs.writeFileSync(path.join(storage, f), f);
    fs.mkdirSync(paths.hooksDir, { recursive: true });
    fs.mkdirSync(paths.meta, { recursive: true });
    fs.writeFileSync(path.join(paths.dataDir, "data.db"), "not listed: databases are snapshotted separately");
    fs.writeFileSync(path.join(paths.hooksDir, "main.pb.js"), "hook");
    fs.writeFileSync(path.join(paths.meta, "pocketbase.log"), "ours, never uploaded");
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("lists only the persisted folders, in string order of their paths", async () => {
    const { files } = await walk(paths);
    expect(files).toEqual([...files].sort());
    expect(files).toEqual([
      "pb_data/storage/col-b/x",
      "pb_data/storage/col.c/y",
      "pb_data/storage/col/rec-2/z",
      "pb_data/storage/col/rec/a.txt",
      "pb_data/storage/col/rec/a.txt.attrs",
      "pb_data/storage/col/z",
      "pb_hooks/main.pb.js",
    ]);
  });

  it("never follows symlinks and reports special files", async () => {
    fs.symlinkSync("/etc/passwd", path.join(paths.hooksDir, "steal.js"));
    fs.symlinkSync("/etc", path.join(paths.hooksDir, "etc"));
    execFileSync("mkfifo", [path.join(paths.hooksDir, "pipe")]);
    const { files, refused } = await walk(paths);
    expect(files.filter((f) => f.startsWith("pb_hooks/"))).toEqual(["pb_hooks/main.pb.js"]);
    expect(refused.sort()).toEqual(["pb_hooks/etc: a symlink", "pb_hooks/pipe: a special file", "pb_hooks/steal.js: a symlink"]);
  });

  it("skips a persisted root that is a symlink, and is fine with missing ones", async () => {
    fs.rmSync(path.join(paths.dataDir, "storage"), { recursive: true });
    fs.symlinkSync("/etc", path.join(paths.dataDir, "storage"));
    fs.rmSync(paths.hooksDir, { recursive: true });
    const { files, refused } = await walk(paths);
    expect(files).toEqual([]);
    expect(refused).toEqual(["pb_data/storage: not a directory (a symlink?)"]);
  });

  it("refuses a persisted root that is not the owner's", async () => {
    const other = (process.getuid?.() ?? 0) + 1;
    await expect(walk(paths, { ownerUid: other })).rejects.toThrow(/not the tenant's/);
  });

  it("opens each yielded file through its folder, even after the folder's path changed", async () => {
    const contents: string[] = [];
    const walker = walkPersistedFiles(paths, { ownerUid: null, onRefused: () => undefined });
    for await (const f of walker) {
      if (f.path !== "pb_data/storage/col/rec/a.txt") continue;
      const rec = path.join(paths.dataDir, "storage", "col", "rec");
      fs.renameSync(rec, `${rec}.away`);
      fs.mkdirSync(rec);
      fs.writeFileSync(path.join(rec, "a.txt"), "impostor");
      const opened = await f.open();
      contents.push(String(await opened?.handle.readFile()));
      await opened?.handle.close();
    }
    expect(contents).toEqual(["col/rec/a.txt"]);
  });
});
