import fs from "node:fs/promises";
import path from "node:path";

/** Records the tenant's PocketBase pid so a later orchestrator can find it if we die. */
export async function writePidFile(file: string, pid: number): Promise<void> {
  await fs.mkdir(path.dirname(file), { recursive: true });
  await fs.writeFile(file, `${pid}\n`);
}

/** The pid recorded in `file`, or undefined when there is none or it is garbage. */
export async function readPidFile(file: string): Promise<number | undefined> {
  let text: string;
  try {
    text = await fs.readFile(file, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw err;
  }
  const pid = Number(text.trim());
  return Number.isSafeInteger(pid) && pid > 1 ? pid : undefined;
}

/** Removes the pid file; a missing file is fine. */
export async function removePidFile(file: string): Promise<void> {
  await fs.rm(file, { force: true });
}

/**
 * True when `argv` is `pocketbase serve ... --dir <dataDir>`: the binary (same path or same file
 * name, so a moved install still matches) serving exactly this tenant's data directory.
 */
export function isTenantPocketBase(argv: readonly string[], binary: string, dataDir: string): boolean {
  const [exe, ...args] = argv;
  if (exe === undefined || !args.includes("serve")) return false;
  const sameBinary = path.resolve(exe) === path.resolve(binary) || path.basename(exe) === path.basename(binary);
  return sameBinary && flagValue(args, "--dir") === path.resolve(dataDir);
}

function flagValue(args: readonly string[], flag: string): string | undefined {
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    if (arg === flag || arg === `-${flag}`) return args[i + 1] === undefined ? undefined : path.resolve(args[i + 1] as string);
    if (arg.startsWith(`${flag}=`)) return path.resolve(arg.slice(flag.length + 1));
  }
  return undefined;
}
