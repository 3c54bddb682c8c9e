import { describe, expect, it } from "vitest";
import { assertValidKey, assertValidPrefix, compareKeys, InvalidObjectKeyError } from "./object-key";

describe("object keys", () => {
  it.each(["a", "tenants/x/snapshots/1/manifest.json", "with space/and-dash_underscore.txt", "ünïcode/κλειδί"])("accepts the key %j", (key) => {
    expect(() => assertValidKey(key)).not.toThrow();
  });

  it.each([
    ["empty", ""],
    ["absolute", "/etc/passwd"],
    ["parent segment", "a/../b"],
    ["leading parent", "../a"],
    ["dot segment", "a/./b"],
    ["empty segment", "a//b"],
    ["trailing slash", "a/"],
    ["backslash", "a\\b"],
    ["NUL", "a\u0000b"],
    ["newline", "a\nb"],
    ["too long", "k".repeat(1025)],
  ])("rejects a key with %s", (_why, key) => {
    expect(() => assertValidKey(key)).toThrow(InvalidObjectKeyError);
  });

  it.each(["", "tenants/", "tenants/x", "tenants/x/snap"])("accepts the prefix %j", (prefix) => {
    expect(() => assertValidPrefix(prefix)).not.toThrow();
  });

  it.each(["/", "/tenants/", "../", "a//", "a/../"])("rejects the prefix %j", (prefix) => {
    expect(() => assertValidPrefix(prefix)).toThrow(InvalidObjectKeyError);
  });

  it("orders keys by UTF-8 bytes, like S3 listings", () => {
    const keys = ["a/b", "a-c", "a", "é", "z", "B"];
    expect([...keys].sort(compareKeys)).toEqual(["B", "a", "a-c", "a/b", "z", "é"]);
  });
});
