import fs from "node:fs/promises";
import path from "node:path";
import { CliError } from "../errors";

/** The folders a bundle carries, in the order they are packed. */
const bundleFolders = ["pb_hooks", "pb_migrations", "pb_public"] as const;

/** One entry of the bundle: `name` is its path inside the tar (`pb_hooks/main.pb.js`). */
export type PlannedEntry = { name: string; type: "directory" } | { name: string; type: "file"; source: string; size: number };

/** What `dir` would deploy: entries in packing order, which folders exist, how much they hold. */
export type BundlePlan = {
  entries: PlannedEntry[];
  folders: string[];
  missing: string[];
  fileCount: number;
  totalBytes: number;
};

/**
 * Walks `dir/pb_hooks`, `dir/pb_migrations` and `dir/pb_public` without following symlinks:
 * regular files and folders only, anything else is refused by name. Entries are sorted by name
 * at every level, so the same tree always gives the same plan.
 */
export async function planBundle(dir: string): Promise<BundlePlan> {
  const root = await fs.stat(dir).catch(() => null);
  if (!root?.isDirectory()) throw new CliError(`${dir} is not a folder.`);
  const plan: BundlePlan = { entries: [], folders: [], missing: [], fileCount: 0, totalBytes: 0 };
  for (const folder of bundleFolders) {
    const stat = await fs.lstat(path.join(dir, folder)).catch(() => null);
    if (!stat) {
      plan.missing.push(folder);
      continue;
    }
    if (!stat.isDirectory()) throw new CliError(`${path.join(dir, folder)} is ${kindOf(stat)}, not a folder.`);
    plan.folders.push(folder);
    await walk(path.join(dir, folder), folder, plan);
  }
  if (plan.folders.length === 0) throw new CliError(`nothing to deploy: ${dir} has none of ${bundleFolders.join(", ")}.`);
  return plan;
}

async function walk(source: string, name: string, plan: BundlePlan): Promise<void> {
  plan.entries.push({ name, type: "directory" });
  const children = (await fs.readdir(source)).sort(byName);
  for (const child of children) {
    const childSource = path.join(source, child);
    const childName = `${name}/${child}`;
    const stat = await fs.lstat(childSource);
    if (stat.isDirectory()) await walk(childSource, childName, plan);
    else if (stat.isFile()) {
      plan.entries.push({ name: childName, type: "file", source: childSource, size: stat.size });
      plan.fileCount += 1;
      plan.totalBytes += stat.size;
    } else throw refusal(childName, stat);
  }
}

function refusal(name: string, stat: { isSymbolicLink(): boolean }): CliError {
  if (stat.isSymbolicLink()) {
    return new CliError(`${name} is a symbolic link: a bundle takes regular files and folders only, so put a copy of the file there instead.`);
  }
  return new CliError(`${name} is ${kindOf(stat)}: a bundle takes regular files and folders only.`);
}

type StatKinds = { isSymbolicLink(): boolean; isFIFO?(): boolean; isSocket?(): boolean; isFile?(): boolean };

function kindOf(stat: StatKinds): string {
  if (stat.isSymbolicLink()) return "a symbolic link";
  if (stat.isFIFO?.()) return "a named pipe";
  if (stat.isSocket?.()) return "a socket";
  if (stat.isFile?.()) return "a file";
  return "a device or special file";
}

/** Code-unit order: the same on every machine and locale. */
function byName(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
