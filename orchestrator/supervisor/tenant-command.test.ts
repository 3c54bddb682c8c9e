import { describe, expect, it } from "vitest";
import { tenantPaths } from "../tenant/paths";
import { provisionArgs, serveArgs, tenantEnv } from "./tenant-command";

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

  it("adds the tenant's secrets under the platform's variables, dropping names a secret may not have", () => {
    const env = tenantEnv(paths, "48MiB", 1, {
      MY_SECRET: "s3cret",
      GOOGLE_API_KEY: "g",
      PATH: "/evil",
      HOME: "/evil",
      GOMEMLIMIT: "1TiB",
      GOMAXPROCS: "64",
      LD_PRELOAD: "/pb/pb_data/evil.so",
      GLIBC_TUNABLES: "x",
      BASH_ENV: "/pb/pb_data/x.sh",
      "lower-case": "x",
    });
    expect(env).toEqual({
      MY_SECRET: "s3cret",
      GOOGLE_API_KEY: "g",
      PATH: "/usr/local/bin:/usr/bin:/bin",
      HOME: "/data/tenants/t1",
      TZ: "UTC",
      GOMEMLIMIT: "48MiB",
      GOMAXPROCS: "1",
    });
  });

  it("serves on loopback with the tenant's own directories", () => {
    const args = serveArgs(paths, "127.0.0.1:9001");
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

  it("provisions with the platform's migrations only, no tenant hooks, no secret in the arguments", () => {
    const args = provisionArgs(paths, "/data/tenants/t1/meta/provision");
    expect(args.slice(0, 2)).toEqual(["migrate", "up"]);
    expect(args[args.indexOf("--migrationsDir") + 1]).toBe("/data/tenants/t1/meta/provision");
    expect(args[args.indexOf("--hooksDir") + 1]).not.toBe(paths.hooksDir);
    expect(args.join(" ")).not.toMatch(/password|@/);
  });
});
