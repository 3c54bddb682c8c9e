import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createLocalStorage } from "../storage/local-storage";
import type { ObjectStorage } from "../storage/object-storage";
import { fileListKey, manifestKey } from "./keys";
import { type Manifest, type ManifestFile, serializeManifest } from "./manifest";
import { manifestFiles, readManifest } from "./manifest-store";
import { createNdjsonWriter } from "./ndjson";

const sha = (c: string) => c.repeat(64);
const files: ManifestFile[] = Array.from({ length: 500 }, (_, i) => ({
  path: `pb_hooks/h${String(i).padStart(3, "0")}.js`,
  sha256: sha("a"),
  size: i,
  mode: 0o644,
}));
const header = { instanceId: "inst1", createdAt: "2025-01-02T03:04:05.000Z", databases: [] };

describe("manifest store", () => {
  let dir: string;
  let storage: ObjectStorage;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "picobase-manifests-"));
    storage = createLocalStorage(path.join(dir, "objects"));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  const all = async (m: Manifest) => {
    const out: ManifestFile[] = [];
    for await (const f of manifestFiles(storage, m)) out.push(f);
    return out;
  };

  /** Stores a format-2 manifest whose file list holds `listed`, optionally describing it wrongly. */
  async function storeV2(generation: number, listed: ManifestFile[], lie: Partial<{ count: number; sha256: string }> = {}): Promise<void> {
    const local = path.join(dir, `list-${generation}.gz`);
    const writer = createNdjsonWriter(local);
    for (const f of listed) await writer.write(f);
    const written = await writer.close();
    const key = fileListKey("inst1", generation);
    await storage.put(key, fs.readFileSync(local));
    const m: Manifest = {
      format: 2,
      ...header,
      generation,
      files: { key, sha256: written.sha256, compressedSize: written.size, count: written.count, ...lie },
    };
    await storage.put(manifestKey("inst1", generation), serializeManifest(m));
  }

  it("reads format 1 (files inline), as written before the file list was separate", async () => {
    await storage.put(manifestKey("inst1", 1), serializeManifest({ format: 1, ...header, generation: 1, files }));
    expect(await all(await readManifest(storage, "inst1", 1))).toEqual(files);
  });

  it("streams the file list of format 2", async () => {
    await storeV2(2, files);
    expect(await all(await readManifest(storage, "inst1", 2))).toEqual(files);
  });

  it.each([
    ["more files than the manifest says", { count: 10 }],
    ["fewer files than the manifest says", { count: 501 }],
    ["another sha256", { sha256: sha("b") }],
  ])("rejects a file list with %s", async (_name, lie) => {
    await storeV2(3, files, lie);
    await expect(all(await readManifest(storage, "inst1", 3))).rejects.toThrow(/corrupt/);
  });

  it("rejects a manifest pointing to another generation's file list", async () => {
    await storeV2(4, files);
    const m = JSON.parse(fs.readFileSync(path.join(dir, "objects", ...manifestKey("inst1", 4).split("/")), "utf8")) as Manifest;
    await storage.put(manifestKey("inst1", 5), serializeManifest({ ...m, generation: 5 }));
    await expect(readManifest(storage, "inst1", 5)).rejects.toThrow(/foreign file list/);
  });
});
