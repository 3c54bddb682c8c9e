import { describe, expect, it } from "vitest";
import { isPersistedPath, type Manifest, parseManifest, parseManifestFile, serializeManifest } from "./manifest";

const sha = (c: string) => c.repeat(64);

const file = { path: "pb_hooks/main.pb.js", sha256: sha("b"), size: 12, mode: 0o644 };
const database = { name: "data.db", key: "tenants/inst1/snapshots/3/data.db.gz", sha256: sha("a"), size: 4096, compressedSize: 300 } as const;
const header = { instanceId: "inst1", generation: 3, createdAt: "2025-01-02T03:04:05.000Z", databases: [database] };

/** Format 1 (still read): every file inline. */
const manifestV1: Manifest = { format: 1, ...header, files: [file] };
/** Format 2 (written): the file list is a separate object. */
const manifest: Manifest = {
  format: 2,
  ...header,
  files: { key: "tenants/inst1/snapshots/3/files.ndjson.gz", sha256: sha("c"), compressedSize: 40, count: 1 },
};

describe("manifest", () => {
  it.each([manifest, manifestV1])("round-trips format $format through its stored form", (m) => {
    expect(parseManifest(serializeManifest(m).toString())).toEqual(m);
  });

  it.each([
    ["not JSON", "{"],
    ["another format version", JSON.stringify({ ...manifest, format: 3 })],
    ["format 1 with a file list object", JSON.stringify({ ...manifest, format: 1 })],
    ["format 2 with inline files", JSON.stringify({ ...manifestV1, format: 2 })],
    ["a generation of 0", JSON.stringify({ ...manifest, generation: 0 })],
    ["an unknown database", JSON.stringify({ ...manifest, databases: [{ ...database, name: "x.db" }] })],
    ["a bad file list sha256", JSON.stringify({ ...manifest, files: { ...manifest.files, sha256: "zz" } })],
    ["a bad sha256", JSON.stringify({ ...manifestV1, files: [{ ...file, sha256: "zz" }] })],
    ["a missing field", JSON.stringify({ ...manifest, files: undefined })],
  ])("rejects %s", (_name, text) => {
    expect(() => parseManifest(text)).toThrow();
  });

  it.each([
    ["a bad sha256", { ...file, sha256: "zz" }],
    ["a path escaping the tenant", { ...file, path: "pb_hooks/../../etc/passwd" }],
    ["a path outside persisted folders", { ...file, path: "meta/x" }],
    ["a setuid mode", { ...file, mode: 0o4755 }],
  ])("rejects a listed file with %s", (_name, value) => {
    expect(() => parseManifestFile(value)).toThrow();
    expect(() => parseManifest(JSON.stringify({ ...manifestV1, files: [value] }))).toThrow();
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
