import fs from "node:fs/promises";
import path from "node:path";
import { limitFiles, ownCgroupPath, parseOomKills, type TenantLimits } from "./cgroup-files";

export type { TenantLimits } from "./cgroup-files";

/** One tenant's cgroup (a folder per controller on v1, one folder on v2). */
export type TenantCgroup = {
  /** `cgroup.procs` files a process writes its own pid to, to join every controller. */
  procsFiles: string[];
  /** Pids in the cgroup right now. */
  pids(): Promise<number[]>;
  /** How many times the kernel's OOM killer struck inside this cgroup. */
  oomKills(): Promise<number>;
  /** SIGKILLs every process in it until it is empty (bounded rounds: a fork bomb is capped by pids.max). */
  killAll(): Promise<void>;
  /** Kills what is left and removes the folders. */
  remove(): Promise<void>;
};

/** Per-tenant cgroups under the orchestrator's own cgroup, on v1 or v2. */
export type Cgroups = {
  version: 1 | 2;
  /** Creates (or reuses) the tenant's cgroup and (re)applies its limits. */
  create(name: string, limits: TenantLimits): Promise<TenantCgroup>;
  /** Kills what is left in the tenant's cgroup and removes it; a missing one is fine. */
  remove(name: string): Promise<void>;
  /** Removes the folder of this orchestrator's tenants once they are all gone (it stays otherwise). */
  close(): Promise<void>;
};

const CONTROLLERS_V1 = ["memory", "pids", "cpu"] as const;
/** cgroup v2: the leaf the orchestrator's own processes move to (see moveOwnProcessesToLeaf). */
const PLATFORM_LEAF = "platform";

/**
 * The folder under the orchestrator's own cgroup that holds its tenants' cgroups, named per sandbox
 * scope: orchestrators started from one parent (a shell, a test harness) share their own cgroup, and
 * must not share a tenant's when an instance moves between them.
 */
export function tenantsGroup(scope: string): string {
  return `picobase-${scope}`;
}

/**
 * Finds the cgroup hierarchy and prepares `<own cgroup>/picobase-<scope>/`; the reason as a string
 * when per-tenant cgroups are impossible (not root, controllers missing).
 */
export async function openCgroups(scope: string, root = "/sys/fs/cgroup"): Promise<Cgroups | string> {
  const self = await fs.readFile("/proc/self/cgroup", "utf8");
  const group = tenantsGroup(scope);
  if (await exists(path.join(root, "cgroup.controllers"))) return openV2(root, self, group);
  for (const controller of CONTROLLERS_V1) {
    if (!(await exists(path.join(root, controller, "cgroup.procs")))) return `cgroup v1 controller "${controller}" is not mounted at ${root}/${controller}`;
  }
  const parents = Object.fromEntries(CONTROLLERS_V1.map((c) => [c, path.join(root, c, ownCgroupPath(self, c) ?? "/", group)])) as Record<
    (typeof CONTROLLERS_V1)[number],
    string
  >;
  for (const dir of Object.values(parents)) await fs.mkdir(dir, { recursive: true });
  await sweepTenants(Object.values(parents));
  const hasMemsw = await exists(path.join(parents.memory, "memory.memsw.limit_in_bytes"));
  return {
    version: 1,
    async create(name, limits) {
      const dirs = CONTROLLERS_V1.map((c) => path.join(parents[c], name));
      for (const dir of dirs) await fs.mkdir(dir, { recursive: true });
      for (const f of limitFiles(1, limits, hasMemsw)) await fs.writeFile(path.join(parents[f.controller as keyof typeof parents], name, f.file), f.value);
      return tenantCgroup(dirs, path.join(parents.memory, name, "memory.oom_control"));
    },
    remove: (name) =>
      tenantCgroup(
        CONTROLLERS_V1.map((c) => path.join(parents[c], name)),
        "",
      ).remove(),
    close: () => removeIfEmpty(Object.values(parents)),
  };
}

async function openV2(root: string, self: string, group: string): Promise<Cgroups | string> {
  // An orchestrator started by a process an earlier one moved to the leaf (a shell, npm, a test
  // runner) starts in the leaf: the folder above is where its tenants' cgroups are, as before.
  const ownPath = ownCgroupPath(self, "") ?? "/";
  const own = path.join(root, path.basename(ownPath) === PLATFORM_LEAF ? path.dirname(ownPath) : ownPath);
  const available = (await fs.readFile(path.join(own, "cgroup.controllers"), "utf8")).split(/\s+/);
  const missing = ["memory", "pids", "cpu"].filter((c) => !available.includes(c));
  if (missing.length > 0) return `cgroup v2 controllers not delegated to ${own}: ${missing.join(", ")}`;
  const parent = path.join(own, group);
  await fs.mkdir(parent, { recursive: true });
  await sweepTenants([parent]);
  await moveOwnProcessesToLeaf(own);
  await fs.writeFile(path.join(own, "cgroup.subtree_control"), "+memory +pids +cpu");
  await fs.writeFile(path.join(parent, "cgroup.subtree_control"), "+memory +pids +cpu");
  return {
    version: 2,
    async create(name, limits) {
      const dir = path.join(parent, name);
      await fs.mkdir(dir, { recursive: true });
      for (const f of limitFiles(2, limits, false)) await fs.writeFile(path.join(dir, f.file), f.value);
      return tenantCgroup([dir], path.join(dir, "memory.events"), path.join(dir, "cgroup.kill"));
    },
    remove: (name) => tenantCgroup([path.join(parent, name)], "").remove(),
    close: () => removeIfEmpty([parent]),
  };
}

/**
 * Kills and removes the tenant cgroups that a killed run of this orchestrator left in its folder
 * (one per controller on v1): their processes are nobody's now, and the folders would pile up.
 */
async function sweepTenants(parents: string[]): Promise<void> {
  const names = new Set<string>();
  for (const parent of parents) {
    for (const entry of await fs.readdir(parent, { withFileTypes: true })) if (entry.isDirectory()) names.add(entry.name);
  }
  for (const name of names)
    await tenantCgroup(
      parents.map((p) => path.join(p, name)),
      "",
    ).remove();
}

/**
 * Removes what an orchestrator of `scope` that was killed and will not come back left in the
 * hierarchy (its tenants' cgroups and their folder), wherever its own cgroup was.
 */
export async function removeCgroupLeftovers(scope: string, root = "/sys/fs/cgroup"): Promise<void> {
  const group = tenantsGroup(scope);
  const found: string[] = [];
  let level = [root];
  for (let depth = 0; depth < 8 && level.length > 0; depth++) {
    const next: string[] = [];
    for (const dir of level) {
      const entries = await fs.readdir(dir, { withFileTypes: true }).catch(() => []);
      for (const entry of entries.filter((e) => e.isDirectory())) (entry.name === group ? found : next).push(path.join(dir, entry.name));
    }
    level = next;
  }
  for (const dir of found) await sweepTenants([dir]);
  await removeIfEmpty(found);
}

/**
 * cgroup v2 forbids processes in a folder whose children get controllers: the orchestrator's own
 * processes (and whatever shares its cgroup, e.g. the dashboard under `npm start`) move to a leaf.
 */
async function moveOwnProcessesToLeaf(own: string): Promise<void> {
  if (own === "/sys/fs/cgroup" || own === "/sys/fs/cgroup/") return; // the root may hold processes
  const leaf = path.join(own, PLATFORM_LEAF);
  await fs.mkdir(leaf, { recursive: true });
  for (const pid of await readPids(path.join(own, "cgroup.procs"))) {
    await fs.writeFile(path.join(leaf, "cgroup.procs"), String(pid)).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== "ESRCH") throw err; // it exited meanwhile
    });
  }
}

function tenantCgroup(dirs: string[], oomFile: string, killFile?: string): TenantCgroup {
  const procsFiles = dirs.map((d) => path.join(d, "cgroup.procs"));
  const pids = () => readPids(procsFiles[0] as string);
  const killAll = async () => {
    if (killFile && (await exists(killFile))) await fs.writeFile(killFile, "1");
    for (let round = 0; round < 50; round++) {
      const left = await pids();
      if (left.length === 0) return;
      for (const pid of left) killQuietly(pid);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    throw new Error(`processes survive in cgroup ${dirs[0]}`);
  };
  return {
    procsFiles,
    pids,
    oomKills: async () => parseOomKills(await fs.readFile(oomFile, "utf8")),
    killAll,
    async remove() {
      await killAll();
      for (const dir of dirs)
        await fs.rmdir(dir).catch((err: NodeJS.ErrnoException) => {
          if (err.code !== "ENOENT") throw err;
        });
    },
  };
}

async function removeIfEmpty(dirs: string[]): Promise<void> {
  for (const dir of dirs)
    await fs.rmdir(dir).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== "ENOENT" && err.code !== "EBUSY" && err.code !== "ENOTEMPTY") throw err;
    });
}

function killQuietly(pid: number): void {
  try {
    process.kill(pid, "SIGKILL");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ESRCH") throw err; // already gone is the goal
  }
}

async function readPids(file: string): Promise<number[]> {
  const text = await fs.readFile(file, "utf8").catch((err: NodeJS.ErrnoException) => {
    if (err.code === "ENOENT") return "";
    throw err;
  });
  return text
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map(Number);
}

async function exists(p: string): Promise<boolean> {
  return fs.access(p).then(
    () => true,
    () => false,
  );
}
