import { describe, expect, it } from "vitest";
import { bwrapArgs, etcFiles, type SandboxSpec } from "./bwrap-args";

const spec: SandboxSpec = {
  systemDirs: { "/usr": null, "/bin": "usr/bin", "/lib": "usr/lib" },
  etcShared: ["/etc/ssl"],
  etcDir: "/data/tenants/t1/meta/etc",
  binary: "/data/bin/pocketbase",
  binds: [{ host: "/data/tenants/t1/pb_data", inside: "/pb/pb_data" }],
  uid: 200001,
  gid: 200001,
  tmpBytes: 1024,
  network: "inherit",
  command: ["/pb/pocketbase", "serve"],
};

/** The value following `flag` each time it appears. */
const after = (args: string[], flag: string) => args.flatMap((a, i) => (a === flag ? [args[i + 1]] : []));

describe("bwrapArgs", () => {
  const args = bwrapArgs(spec);

  it("isolates namespaces and ties the sandbox to its parent", () => {
    for (const flag of ["--die-with-parent", "--new-session", "--unshare-pid", "--unshare-ipc", "--unshare-uts"]) expect(args).toContain(flag);
    expect(args).not.toContain("--unshare-net"); // it runs inside the tenant's own network namespace
    expect(bwrapArgs({ ...spec, network: "none" })).toContain("--unshare-net");
  });

  it("shows the userland read-only, recreates symlinked folders, and nothing else of the host", () => {
    expect(after(args, "--ro-bind")).toEqual(expect.arrayContaining(["/usr", "/etc/ssl", "/data/bin/pocketbase"]));
    expect(after(args, "--symlink")).toEqual(["usr/bin", "usr/lib"]);
    expect(after(args, "--bind")).toEqual(["/data/tenants/t1/pb_data"]); // the only writable host folder
    expect(args).not.toContain("/"); // never the whole root
    expect(after(args, "--ro-bind").filter((p) => p?.startsWith("/etc/") && !p.startsWith("/etc/ssl"))).toEqual([]);
  });

  it("bounds /tmp and drops to the tenant uid without capabilities", () => {
    expect(args.slice(args.indexOf("--tmpfs") - 4, args.indexOf("--tmpfs") + 2)).toEqual(["--size", "1024", "--perms", "1777", "--tmpfs", "/tmp"]);
    const tail = args.slice(args.indexOf("/usr/bin/setpriv"));
    expect(tail).toEqual([
      "/usr/bin/setpriv",
      "--reuid",
      "200001",
      "--regid",
      "200001",
      "--clear-groups",
      "--inh-caps=-all",
      "--bounding-set=-all",
      "--no-new-privs",
      "--",
      "/pb/pocketbase",
      "serve",
    ]);
  });
});

describe("etcFiles", () => {
  it("names only the tenant's user and the given resolvers", () => {
    const files = etcFiles(200001, 200001, ["10.0.0.53"]);
    expect(files.passwd).toContain("pocketbase:x:200001:200001:");
    expect(files.passwd.split("\n").filter(Boolean)).toHaveLength(3);
    expect(files["resolv.conf"]).toBe("nameserver 10.0.0.53\n");
  });
});
