import { createHash } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import pino from "pino";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createLocalStorage } from "../storage/local-storage";
import { tenantPaths, type TenantPaths } from "../tenant/paths";
import { createSync, type Sync } from "./create-sync";
import { manifestFiles, readManifest } from "./manifest-store";

const sha = (s: string) => createHash("sha256").update(s).digest("hex");

describe("snapshot files", () => {
  let dir: string;
  let paths: TenantPaths;
  let sync: Sync;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "picobase-snapshot-files-"));
    paths = tenantPaths(path.join(dir, "tenants"), "t1");
    for (const d of [path.join(paths.dataDir, "storage", "col", "rec"), paths.hooksDir, paths.meta]) fs.mkdirSync(d, { recursive: true });
    fs.writeFileSync(path.join(paths.dataDir, "storage", "col", "rec", "a.txt"), "alpha");
    fs.writeFileSync(path.join(paths.hooksDir, "main.pb.js"), "hook");
    sync = createSync({ storage: createLocalStorage(path.join(dir, "objects")), log: pino({ level: "silent" }) });
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  const hashes = async (generation: number) => {
    const out: Record<string, string> = {};
    for await (const f of manifestFiles(
      createLocalStorage(path.join(dir, "objects")),
      await readManifest(createLocalStorage(path.join(dir, "objects")), "t1", generation),
    ))
      out[f.path] = f.sha256;
    return out;
  };

  it("reuses a cached hash while size and mtime are unchanged and its blob is stored", async () => {
    const file = path.join(paths.hooksDir, "main.pb.js");
    const t = 1_700_000_000; // whole seconds, so utimes restores mtimeMs exactly
    fs.utimesSync(file, t, t);
    await sync.upload("t1", paths, 1);
    expect(await hashes(1)).toEqual({ "pb_data/storage/col/rec/a.txt": sha("alpha"), "pb_hooks/main.pb.js": sha("hook") });

    // Same size and mtime: the cache is trusted (proving the file is not read again).
    fs.writeFileSync(file, "HOOK");
    fs.utimesSync(file, t, t);
    await sync.upload("t1", paths, 2);
    expect((await hashes(2))["pb_hooks/main.pb.js"]).toBe(sha("hook"));

    // A new mtime invalidates the entry.
    fs.utimesSync(file, t + 5, t + 5);
    await sync.upload("t1", paths, 3);
    expect((await hashes(3))["pb_hooks/main.pb.js"]).toBe(sha("HOOK"));
  });

  it("rebuilds a damaged cache instead of failing", async () => {
    fs.writeFileSync(path.join(paths.meta, "hash-cache.ndjson.gz"), "{not gzip");
    await sync.upload("t1", paths, 1);
    expect(Object.values(await hashes(1))).toEqual([sha("alpha"), sha("hook")]);
  });
});
