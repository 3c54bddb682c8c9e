import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createLogger } from "../logger";
import { sweepStaging, withStaging } from "./staging";
import { RestoreRollbackError } from "./swap-directories";

describe("staging folders", () => {
  const log = createLogger("silent");
  let parent: string;
  const names = () => fs.readdirSync(parent).sort();
  /** What a crash left: a staging folder with a half-written file, and `old/` holding `parked` folders. */
  const leftover = (name: string, parked: string[] | null = []) => {
    fs.mkdirSync(path.join(parent, name, "new", "pb_data"), { recursive: true });
    fs.writeFileSync(path.join(parent, name, "new", "pb_data", "data.db"), "half a database");
    if (parked === null) return; // a crash before any swap
    fs.mkdirSync(path.join(parent, name, "old"));
    for (const folder of parked) fs.mkdirSync(path.join(parent, name, "old", folder));
  };

  beforeEach(() => {
    parent = fs.mkdtempSync(path.join(os.tmpdir(), "picobase-staging-"));
  });
  afterEach(() => fs.rmSync(parent, { recursive: true, force: true }));

  it("deletes the folder after the work, whether it succeeded or failed", async () => {
    expect(await withStaging({ parent, prefix: ".restore-", log }, async (dir) => path.basename(dir))).toMatch(/^\.restore-/);
    await expect(
      withStaging({ parent, prefix: ".restore-", log }, async (dir) => {
        fs.writeFileSync(path.join(dir, "partial"), "x");
        throw new Error("download failed");
      }),
    ).rejects.toThrow(/download failed/);
    expect(names()).toEqual([]);
  });

  it("keeps the folder of a swap that could not be undone: it holds the tenant's previous folders", async () => {
    let staged = "";
    await expect(
      withStaging({ parent, prefix: ".restore-", log }, async (dir) => {
        staged = path.basename(dir);
        throw new RestoreRollbackError(path.join(dir, "old"), new Error("EIO"));
      }),
    ).rejects.toBeInstanceOf(RestoreRollbackError);
    expect(names()).toEqual([staged]);
  });

  it("deletes what a crash left of the same kind first, and keeps parked folders and other kinds", async () => {
    leftover(".restore-crashed", null);
    leftover(".restore-empty-old", []);
    leftover(".restore-old-is-a-file", null);
    fs.writeFileSync(path.join(parent, ".restore-old-is-a-file", "old"), "");
    leftover(".restore-unreadable-old", null);
    fs.symlinkSync("old", path.join(parent, ".restore-unreadable-old", "old")); // ELOOP: cannot tell, so kept
    leftover(".restore-parked", ["pb_data"]);
    leftover(".deploy-other-kind");
    fs.mkdirSync(path.join(parent, "pb_data"));
    await withStaging({ parent, prefix: ".restore-", log }, async (dir) => {
      expect(names().filter((name) => name !== path.basename(dir))).toEqual([".deploy-other-kind", ".restore-parked", ".restore-unreadable-old", "pb_data"]);
    });
    expect(names()).toEqual([".deploy-other-kind", ".restore-parked", ".restore-unreadable-old", "pb_data"]);
  });

  it("sweeps without following a link planted in a leftover", async () => {
    const outside = fs.mkdtempSync(path.join(os.tmpdir(), "picobase-staging-outside-"));
    fs.writeFileSync(path.join(outside, "keep"), "not the tenant's");
    leftover(".snapshot-crashed");
    fs.symlinkSync(outside, path.join(parent, ".snapshot-crashed", "new", "pb_data", "link"));
    await sweepStaging(parent, ".snapshot-", log);
    expect(names()).toEqual([]);
    expect(fs.readFileSync(path.join(outside, "keep"), "utf8")).toBe("not the tenant's");
    fs.rmSync(outside, { recursive: true, force: true });
  });

  it("renames what a finished swap parked before deleting it, so a crash meanwhile leaves nothing to keep", async () => {
    const crash = async () => {
      throw new Error("killed while deleting");
    };
    let staged = "";
    await expect(
      withStaging({ parent, prefix: ".deploy-", log, remove: crash }, async (dir) => {
        staged = dir;
        fs.mkdirSync(path.join(dir, "old", "pb_hooks"), { recursive: true }); // the replaced code folders
      }),
    ).rejects.toThrow(/killed/);
    expect(fs.readdirSync(staged)).toEqual(["replaced"]);
    await sweepStaging(parent, ".deploy-", log);
    expect(names()).toEqual([]);
  });

  it("deletes folders with parked-looking content where no swap parks anything (a tenant writes in those)", async () => {
    leftover(".snapshot-tenant-made", ["anything"]);
    await sweepStaging(parent, ".snapshot-", log, { keepParked: false });
    expect(names()).toEqual([]);
  });

  it("goes on when the leftovers cannot be read", async () => {
    await sweepStaging(path.join(parent, "missing"), ".restore-", log);
  });
});
