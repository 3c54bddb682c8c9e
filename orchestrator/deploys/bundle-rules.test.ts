import { describe, expect, it } from "vitest";
import { checkEntryPath, createEntryIndex } from "./bundle-rules";

/** `pb_hooks/<i>/a/a/…/f.js`: a path of about `bytes` bytes whose folders are all its own. */
const deepPath = (i: number, bytes = 1000) => {
  let p = `pb_hooks/${i}`;
  while (p.length < bytes) p += "/a";
  return checkEntryPath(`${p}/f.js`);
};

describe("createEntryIndex", () => {
  it("refuses a path that is both a file and a folder, whichever comes first", () => {
    for (const [first, second] of [
      ["file", "file below"],
      ["file below", "file"],
      ["file", "folder"],
      ["folder", "file"],
    ] as const) {
      const index = createEntryIndex({ maxBytes: 1024, maxFiles: 10 });
      const add = (what: string) =>
        what === "file" ? index.addFile("pb_hooks/a") : what === "folder" ? index.addFolder("pb_hooks/a") : index.addFile("pb_hooks/a/b.js");
      add(first);
      expect(() => add(second), `${first} then ${second}`).toThrow(
        expect.objectContaining({ status: 422, message: 'Bundle entry "pb_hooks/a" is both a file and a folder.' }),
      );
    }
  });

  it("takes the same folder many times and counts each folder below the roots once", () => {
    const index = createEntryIndex({ maxBytes: 1024, maxFiles: 3 });
    for (const p of ["pb_hooks", "pb_hooks/x", "pb_hooks/x/y", "pb_public", "pb_migrations", "pb_hooks/x/y"]) index.addFolder(p);
    index.addFile("pb_hooks/x/y/1.js");
    index.addFile("pb_hooks/x/2.js");
    index.addFile("pb_public/z/3.txt"); // the third folder
    expect(() => index.addFile("pb_public/z/4.txt")).toThrow("The bundle has more than 3 files.");
    expect(() => index.addFolder("pb_public/w")).toThrow("The bundle has more than 3 folders.");
  });

  it("refuses deep, distinct folder chains at the folder limit instead of holding every folder's full path", () => {
    // The default limits: each of these ~50 KB-when-gzipped files brought 500 new folders, and every
    // folder was kept by its full path (~250 KB a file; 10,000 such files: gigabytes, and a minute of CPU).
    const index = createEntryIndex({ maxBytes: 50 * 1024 * 1024, maxFiles: 10_000 });
    const started = Date.now();
    expect(() => {
      for (let i = 0; i < 10_000; i++) index.addFile(deepPath(i));
    }).toThrow("The bundle has more than 10,000 folders.");
    expect(Date.now() - started).toBeLessThan(2000);
  });
});
