import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { createLogger } from "../logger";
import { tenantPaths } from "../tenant/paths";
import { createTenantDisk } from "./tenant-disk";

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

describe("tenant disk without volumes", () => {
  it("moves folders of the earlier layout onto the volume once, links kept as links", async () => {
    const tenantsDir = fs.mkdtempSync(path.join(os.tmpdir(), "picobase-disk-"));
    dirs.push(tenantsDir);
    const root = path.join(tenantsDir, "t1");
    fs.mkdirSync(path.join(root, "pb_data/storage"), { recursive: true });
    fs.writeFileSync(path.join(root, "pb_data/data.db"), "db");
    fs.symlinkSync("/etc/hostname", path.join(root, "pb_data/storage/link"));
    const disk = createTenantDisk({ tenantsDir, volumes: undefined, log: createLogger("silent") });
    await disk.ensure("t1", 1 << 30);
    const paths = tenantPaths(tenantsDir, "t1");
    expect(fs.readFileSync(path.join(paths.dataDir, "data.db"), "utf8")).toBe("db");
    expect(fs.lstatSync(path.join(paths.dataDir, "storage/link")).isSymbolicLink()).toBe(true);
    expect(fs.existsSync(path.join(root, "pb_data"))).toBe(false);
    await disk.ensure("t1", 1 << 30); // second time: nothing to move, nothing lost
    expect(fs.readFileSync(path.join(paths.dataDir, "data.db"), "utf8")).toBe("db");
    expect(disk.isOverQuota("t1")).toBe(false); // no volume, no measurement: never over
  });
});
