/** Where things are inside every tenant sandbox. */
export const INSIDE = {
  root: "/pb",
  binary: "/pb/pocketbase",
  dataDir: "/pb/pb_data",
  hooksDir: "/pb/pb_hooks",
  migrationsDir: "/pb/pb_migrations",
  publicDir: "/pb/pb_public",
} as const;

/** System folders shown read-only; each is either a real folder (bound) or a symlink (recreated, e.g. /bin → usr/bin). */
export const SYSTEM_DIRS = ["/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"] as const;

/** /etc files the platform writes per tenant (minimal: no host users, no host names, no host secrets). */
export const ETC_FILES = ["passwd", "group", "hosts", "resolv.conf", "nsswitch.conf"] as const;
/** Host /etc folders tenants need for TLS (CA certificates), read-only. */
export const ETC_SHARED = ["/etc/ssl", "/etc/ca-certificates", "/etc/pki"] as const;

export type SandboxSpec = {
  /** How the host's system folders look: a symlink target, a folder (null), or absent (undefined). */
  systemDirs: Partial<Record<(typeof SYSTEM_DIRS)[number], string | null>>;
  /** Which of ETC_SHARED exist on the host. */
  etcShared: string[];
  /** Host folder holding the tenant's generated ETC_FILES. */
  etcDir: string;
  binary: string;
  /** Tenant folders, host path → inside path (read-write). */
  binds: Array<{ host: string; inside: string }>;
  /** Platform files shown read-only (e.g. provisioning migrations). */
  roBinds?: Array<{ host: string; inside: string }>;
  uid: number;
  gid: number;
  tmpBytes: number;
  /** "none": a fresh network namespace with only loopback; "inherit": the one bwrap is started in (the tenant's). */
  network: "none" | "inherit";
  command: string[];
};

/**
 * bubblewrap arguments for one tenant process: own mount, pid, ipc and uts namespaces; only the
 * system userland (read-only), a minimal /etc, its own folders, /proc of its own pid namespace, a
 * minimal /dev and a size-bounded /tmp. bwrap (as root) builds the mounts, then setpriv drops to
 * the tenant's uid with no capabilities (bounding set emptied, so nothing can regain them) under
 * no_new_privs. --die-with-parent ties the sandbox to its supervisor; the pid namespace ends every
 * process of the tenant when its PocketBase ends.
 */
export function bwrapArgs(spec: SandboxSpec): string[] {
  const args = ["--die-with-parent", "--new-session", "--unshare-pid", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try"];
  if (spec.network === "none") args.push("--unshare-net");
  args.push("--hostname", "pocketbase");
  for (const dir of SYSTEM_DIRS) {
    const how = spec.systemDirs[dir];
    if (how === null) args.push("--ro-bind", dir, dir);
    else if (typeof how === "string") args.push("--symlink", how, dir);
  }
  args.push("--perms", "0755", "--dir", "/etc");
  for (const name of ETC_FILES) args.push("--ro-bind", `${spec.etcDir}/${name}`, `/etc/${name}`);
  for (const dir of spec.etcShared) args.push("--ro-bind", dir, dir);
  args.push("--proc", "/proc", "--dev", "/dev");
  args.push("--size", String(spec.tmpBytes), "--perms", "1777", "--tmpfs", "/tmp");
  args.push("--perms", "0755", "--dir", INSIDE.root, "--ro-bind", spec.binary, INSIDE.binary);
  for (const bind of spec.binds) args.push("--bind", bind.host, bind.inside);
  for (const bind of spec.roBinds ?? []) args.push("--ro-bind", bind.host, bind.inside);
  args.push("--chdir", INSIDE.root, "--");
  const drop = ["--reuid", String(spec.uid), "--regid", String(spec.gid), "--clear-groups", "--inh-caps=-all", "--bounding-set=-all", "--no-new-privs"];
  return [...args, "/usr/bin/setpriv", ...drop, "--", ...spec.command];
}

/** The generated /etc files for a tenant user. */
export function etcFiles(uid: number, gid: number, nameservers: string[]): Record<(typeof ETC_FILES)[number], string> {
  return {
    passwd: `root:x:0:0:root:/root:/usr/sbin/nologin\npocketbase:x:${uid}:${gid}:PocketBase:${INSIDE.root}:/usr/sbin/nologin\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n`,
    group: `root:x:0:\npocketbase:x:${gid}:\nnogroup:x:65534:\n`,
    hosts: "127.0.0.1 localhost pocketbase\n::1 localhost\n",
    "resolv.conf": nameservers.map((ns) => `nameserver ${ns}\n`).join(""),
    "nsswitch.conf": "passwd: files\ngroup: files\nhosts: files dns\n",
  };
}
