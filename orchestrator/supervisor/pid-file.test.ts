import { describe, expect, it } from "vitest";
import { isTenantPocketBase } from "./pid-file";

const bin = "/opt/picobase/.tools/bin/pocketbase";
const dir = "/data/tenants/t1/pb_data";

describe("isTenantPocketBase", () => {
  it.each([
    [[bin, "serve", "--http", "127.0.0.1:9000", "--dir", dir], true],
    [[bin, "serve", `--dir=${dir}`], true],
    [["/elsewhere/pocketbase", "serve", "--dir", dir], true],
    [[bin, "serve", "--dir", "/data/tenants/t1/pb_data/"], true],
    [[bin, "serve", "--dir", "/data/tenants/t2/pb_data"], false],
    [[bin, "superuser", "upsert", "a@b.c", "x", "--dir", dir], false],
    [["/usr/bin/sleep", "serve", "--dir", dir], false],
    [[bin, "serve", "--dir"], false],
    [[bin, "serve"], false],
    [[], false],
  ])("%j → %s", (argv, expected) => {
    expect(isTenantPocketBase(argv, bin, dir)).toBe(expected);
  });
});
