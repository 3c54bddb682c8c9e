import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import pino from "pino";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { tenantPaths, type TenantPaths } from "../tenant/paths";
import { swapInDirectories, tenantDirectories } from "./swap-directories";

const log = pino({ level: "silent" });

/** Where a tenant folder lives: meta/ in the tenant root, the PocketBase folders beside pb_data. */
const folderOf = (paths: TenantPaths, name: string) => (name === "meta" ? paths.meta : path.join(path.dirname(paths.dataDir), name));

function contents(paths: TenantPaths): Record<string, string> {
  const out: Record<string, string> = {};
  for (const dir of ["pb_data", "pb_hooks", "pb_migrations", "meta"]) {
    const base = folderOf(paths, dir);
    if (fs.existsSync(base)) for (const f of fs.readdirSync(base)) out[`${dir}/${f}`] = fs.readFileSync(path.join(base, f), "utf8");
  }
  return out;
}

describe("swapInDirectories", () => {
  let dir: string;
  let paths: TenantPaths;
  let fresh: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "picobase-swap-"));
    paths = tenantPaths(path.join(dir, "tenants"), "t1");
    for (const [sub, file] of [
      ["pb_data", "data.db"],
      ["pb_hooks", "main.pb.js"],
      ["meta", "sync-state.json"],
    ] as const) {
      fs.mkdirSync(folderOf(paths, sub), { recursive: true });
      fs.writeFileSync(path.join(folderOf(paths, sub), file), `old ${sub}`);
    }
    fresh = path.join(dir, "staging", "new");
    for (const sub of ["pb_data", "pb_hooks", "pb_migrations"]) {
      fs.mkdirSync(path.join(fresh, sub), { recursive: true });
      fs.writeFileSync(path.join(fresh, sub, "x"), `new ${sub}`);
    }
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("moves every folder in, parks the old ones, and keeps meta/", async () => {
    await swapInDirectories(tenantDirectories(paths), fresh, path.join(dir, "staging", "old"), log);
    expect(contents(paths)).toEqual({
      "pb_data/x": "new pb_data",
      "pb_hooks/x": "new pb_hooks",
      "pb_migrations/x": "new pb_migrations",
      "meta/sync-state.json": "old meta",
    });
    expect(fs.readFileSync(path.join(dir, "staging", "old", "pb_data", "data.db"), "utf8")).toBe("old pb_data");
  });

  it("undoes the finished steps when a later rename fails", async () => {
    const before = contents(paths);
    fs.rmSync(path.join(fresh, "pb_migrations"), { recursive: true }); // the third rename will fail
    await expect(swapInDirectories(tenantDirectories(paths), fresh, path.join(dir, "staging", "old"), log)).rejects.toThrow(/ENOENT/);
    expect(contents(paths)).toEqual(before);
    expect(fs.existsSync(paths.migrationsDir)).toBe(false);
  });
});
