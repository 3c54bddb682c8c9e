import { createHash } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import pino from "pino";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { tenantPaths, type TenantPaths } from "../tenant/paths";
import { hashCacheFile, indexFiles } from "./file-index";
import { listPersistedFiles } from "./local-files";

const log = pino({ level: "silent" });
const sha = (s: string) => createHash("sha256").update(s).digest("hex");

describe("persisted files and the hash cache", () => {
  let dir: string;
  let paths: TenantPaths;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "picobase-index-"));
    paths = tenantPaths(dir, "t1");
    fs.mkdirSync(path.join(paths.dataDir, "storage", "col", "rec"), { recursive: true });
    fs.mkdirSync(paths.hooksDir, { recursive: true });
    fs.mkdirSync(paths.meta, { recursive: true });
    fs.writeFileSync(path.join(paths.dataDir, "storage", "col", "rec", "a.txt"), "alpha");
    fs.writeFileSync(path.join(paths.dataDir, "data.db"), "not listed: databases are snapshotted separately");
    fs.writeFileSync(path.join(paths.hooksDir, "main.pb.js"), "hook");
    fs.writeFileSync(path.join(paths.meta, "pocketbase.log"), "ours, never uploaded");
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("lists only the persisted folders, sorted, and never follows symlinks", async () => {
    fs.symlinkSync("/etc/passwd", path.join(paths.hooksDir, "steal.js"));
    fs.symlinkSync("/etc", path.join(paths.hooksDir, "etc"));
    const files = await listPersistedFiles(paths);
    expect(files.map((f) => f.path)).toEqual(["pb_data/storage/col/rec/a.txt", "pb_hooks/main.pb.js"]);
  });

  it("hashes files and reuses a cached hash while size and mtime are unchanged", async () => {
    const file = path.join(paths.hooksDir, "main.pb.js");
    const t = 1_700_000_000; // whole seconds, so utimes restores mtimeMs exactly
    fs.utimesSync(file, t, t);
    const first = await indexFiles(await listPersistedFiles(paths), hashCacheFile(paths), log);
    expect(first.map((f) => f.sha256)).toEqual([sha("alpha"), sha("hook")]);

    // Same size and mtime: the cache is trusted (proving the file is not read again).
    fs.writeFileSync(file, "HOOK");
    fs.utimesSync(file, t, t);
    const cached = await indexFiles(await listPersistedFiles(paths), hashCacheFile(paths), log);
    expect(cached[1]?.sha256).toBe(sha("hook"));

    // A new mtime invalidates the entry.
    fs.utimesSync(file, t + 5, t + 5);
    const rehashed = await indexFiles(await listPersistedFiles(paths), hashCacheFile(paths), log);
    expect(rehashed[1]?.sha256).toBe(sha("HOOK"));
  });

  it("rebuilds a damaged cache instead of failing", async () => {
    fs.writeFileSync(hashCacheFile(paths), "{not json");
    const files = await indexFiles(await listPersistedFiles(paths), hashCacheFile(paths), log);
    expect(files.map((f) => f.sha256)).toEqual([sha("alpha"), sha("hook")]);
    expect(JSON.parse(fs.readFileSync(hashCacheFile(paths), "utf8")).entries["pb_hooks/main.pb.js"].sha256).toBe(sha("hook"));
  });
});
