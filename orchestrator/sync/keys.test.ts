import { describe, expect, it } from "vitest";
import { blobKey, databaseKey, generationOfManifestKey, manifestKey, snapshotsPrefix, tenantPrefix } from "./keys";

const sha = "a".repeat(64);

describe("storage keys", () => {
  it.each([
    ["tenant prefix", () => tenantPrefix("inst_1"), "tenants/inst_1/"],
    ["snapshots prefix", () => snapshotsPrefix("inst_1"), "tenants/inst_1/snapshots/"],
    ["manifest", () => manifestKey("inst_1", 7), "tenants/inst_1/snapshots/7/manifest.json"],
    ["database", () => databaseKey("inst_1", 7, "auxiliary.db"), "tenants/inst_1/snapshots/7/auxiliary.db.zst"],
    ["blob", () => blobKey("inst_1", sha), `tenants/inst_1/blobs/${sha}`],
  ])("builds the %s key", (_name, build, expected) => {
    expect(build()).toBe(expected);
  });

  it.each([
    ["an instance id with a slash", () => tenantPrefix("a/b")],
    ["an instance id with dots", () => tenantPrefix("..")],
    ["an empty instance id", () => tenantPrefix("")],
    ["generation 0", () => manifestKey("x", 0)],
    ["a fractional generation", () => manifestKey("x", 1.5)],
    ["a non-hex sha", () => blobKey("x", "../../etc")],
  ])("rejects %s", (_name, build) => {
    expect(build).toThrow();
  });

  it.each([
    ["tenants/x/snapshots/12/manifest.json", 12],
    ["tenants/x/snapshots/12/data.db.gz", null],
    ["tenants/x/snapshots/012/manifest.json", null],
    ["tenants/x/snapshots/1/2/manifest.json", null],
    ["tenants/xy/snapshots/3/manifest.json", null],
    ["tenants/x/blobs/abc", null],
  ])("reads the generation of %s", (key, generation) => {
    expect(generationOfManifestKey("x", key)).toBe(generation);
  });
});
