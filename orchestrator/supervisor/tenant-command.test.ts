import { describe, expect, it } from "vitest";
import { tenantPaths } from "../tenant/paths";
import { serveArgs, superuserArgs, tenantEnv } from "./tenant-command";

const paths = tenantPaths("/data/tenants", "t1");

describe("tenant command", () => {
  it("gives the tenant exactly a minimal environment", () => {
    expect(tenantEnv(paths, "48MiB", 1)).toEqual({
      PATH: "/usr/local/bin:/usr/bin:/bin",
      HOME: "/data/tenants/t1",
      TZ: "UTC",
      GOMEMLIMIT: "48MiB",
      GOMAXPROCS: "1",
    });
    expect(tenantEnv(paths, "48MiB")).not.toHaveProperty("GOMAXPROCS");
  });

  it("serves on loopback with the tenant's own directories", () => {
    const args = serveArgs(paths, 9001);
    expect(args.slice(0, 3)).toEqual(["serve", "--http", "127.0.0.1:9001"]);
    for (const [flag, value] of [
      ["--dir", paths.dataDir],
      ["--hooksDir", paths.hooksDir],
      ["--migrationsDir", paths.migrationsDir],
      ["--publicDir", paths.publicDir],
    ]) {
      expect(args[args.indexOf(flag as string) + 1]).toBe(value);
    }
    expect(args).toContain("--hooksWatch=false");
    expect(args).toContain("--dev=false");
  });

  it("upserts the superuser without loading tenant hooks", () => {
    const args = superuserArgs(paths, "su@picobase.internal", "-pw");
    expect(args.slice(0, 2)).toEqual(["superuser", "upsert"]);
    expect(args.slice(-3)).toEqual(["--", "su@picobase.internal", "-pw"]);
    expect(args[args.indexOf("--hooksDir") + 1]).not.toBe(paths.hooksDir);
  });
});
