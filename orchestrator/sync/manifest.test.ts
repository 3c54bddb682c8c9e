import { describe, expect, it } from "vitest";
import { blobsToUpload, isPersistedPath, type Manifest, parseManifest, serializeManifest } from "./manifest";

const sha = (c: string) => c.repeat(64);

const manifest: Manifest = {
  format: 1,
  instanceId: "inst1",
  generation: 3,
  createdAt: "2025-01-02T03:04:05.000Z",
  databases: [{ name: "data.db", key: "tenants/inst1/snapshots/3/data.db.gz", sha256: sha("a"), size: 4096, compressedSize: 300 }],
  files: [{ path: "pb_hooks/main.pb.js", sha256: sha("b"), size: 12, mode: 0o644 }],
};

describe("manifest", () => {
  it("round-trips through its stored form", () => {
    expect(parseManifest(serializeManifest(manifest).toString())).toEqual(manifest);
  });

  it.each([
    ["not JSON", "{"],
    ["another format version", JSON.stringify({ ...manifest, format: 2 })],
    ["a generation of 0", JSON.stringify({ ...manifest, generation: 0 })],
    ["an unknown database", JSON.stringify({ ...manifest, databases: [{ ...manifest.databases[0], name: "x.db" }] })],
    ["a bad sha256", JSON.stringify({ ...manifest, files: [{ ...manifest.files[0], sha256: "zz" }] })],
    ["a path escaping the tenant", JSON.stringify({ ...manifest, files: [{ ...manifest.files[0], path: "pb_hooks/../../etc/passwd" }] })],
    ["a path outside persisted folders", JSON.stringify({ ...manifest, files: [{ ...manifest.files[0], path: "meta/x" }] })],
    ["a setuid mode", JSON.stringify({ ...manifest, files: [{ ...manifest.files[0], mode: 0o4755 }] })],
    ["a missing field", JSON.stringify({ ...manifest, files: undefined })],
  ])("rejects %s", (_name, text) => {
    expect(() => parseManifest(text)).toThrow();
  });

  it.each([
    ["pb_data/storage/col/rec/file.png", true],
    ["pb_hooks/main.pb.js", true],
    ["pb_migrations/1_init.js", true],
    ["pb_data/data.db", false],
    ["pb_hooks", false],
    ["/pb_hooks/x", false],
    ["pb_hooks//x", false],
    ["pb_hooks/./x", false],
    ["pb_hooks\\x", false],
  ])("isPersistedPath(%s) is %s", (p, expected) => {
    expect(isPersistedPath(p)).toBe(expected);
  });
});

describe("blobsToUpload", () => {
  const file = (path: string, c: string) => ({ path, sha256: sha(c), size: 1, mode: 0o644 });

  it("uploads everything when there is no previous manifest, once per content", () => {
    const files = [file("pb_hooks/a.js", "1"), file("pb_hooks/b.js", "1"), file("pb_hooks/c.js", "2")];
    expect(blobsToUpload(files, null).map((f) => f.path)).toEqual(["pb_hooks/a.js", "pb_hooks/c.js"]);
  });

  it("skips contents the previous manifest references, even under another path", () => {
    const previous = { ...manifest, files: [file("pb_hooks/old.js", "1")] };
    const files = [file("pb_hooks/renamed.js", "1"), file("pb_hooks/new.js", "3")];
    expect(blobsToUpload(files, previous).map((f) => f.path)).toEqual(["pb_hooks/new.js"]);
  });

  it("uploads nothing when nothing changed", () => {
    expect(blobsToUpload(manifest.files, manifest)).toEqual([]);
  });
});
