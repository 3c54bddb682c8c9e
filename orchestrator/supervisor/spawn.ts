import fs from "node:fs/promises";
import path from "node:path";
import { execa } from "execa";
import pTimeout from "p-timeout";
import type { Launcher } from "./launcher/launcher";
import { createLineSplitter } from "./line-splitter";
import { signalPid } from "./proc";
import { TENANT_PATH } from "./tenant-command";

/** PocketBase prints this once its HTTP listener is open. */
const SERVER_STARTED = "Server started at";

export type ChildExit = { exitCode: number | null; signal: string | null; error?: string };

/** One spawned PocketBase process. */
export type TenantChild = {
  /** Its pid once it runs (undefined before, or when it could not be started). */
  readonly pid: number | undefined;
  /** Resolves with the pid once it runs, or undefined when it could not be started. */
  spawned: Promise<number | undefined>;
  /** Resolves (never rejects) when the process has exited. */
  exit: Promise<ChildExit>;
  /**
   * Resolves when the output first announced the HTTP server (PocketBase's "Server started at"
   * line): a hint to check health now, never proof (the tenant controls its output).
   */
  announced: Promise<void>;
  /** SIGTERM, then SIGKILL after `timeoutMs`; resolves once the process is gone. Idempotent. */
  stop(timeoutMs: number): Promise<void>;
};

export type SpawnOptions = {
  launcher: Launcher;
  command: { file: string; args: string[] };
  env: Record<string, string>;
  cwd: string;
  /** The process that should get the graceful SIGTERM (inside a sandbox it is not the one we spawned). */
  gracefulPid: (spawnedPid: number) => Promise<number | undefined>;
  /** Runs once the process has exited, before `exit` resolves (ends whatever the tenant left running). */
  afterExit: () => Promise<void>;
  onLine: (line: string) => void;
};

/** Spawns a long-running tenant process (through the launcher) with only `env`, streaming its output by line. */
export function spawnTenant({ launcher, command, env, cwd, gracefulPid, afterExit, onLine }: SpawnOptions): TenantChild {
  let announce: () => void = () => undefined;
  const announced = new Promise<void>((resolve) => (announce = resolve));
  const lineHandler = (line: string) => {
    if (line.includes(SERVER_STARTED)) announce();
    onLine(line);
  };
  const splitters = { 1: createLineSplitter(lineHandler), 2: createLineSplitter(lineHandler) };
  const launched = launcher.launch(command, { env, cwd, onOutput: (stream, data) => splitters[stream].push(data) });
  let pid: number | undefined;
  void launched.spawned.then((spawnedPid) => (pid = spawnedPid));
  const exit: Promise<ChildExit> = launched.exit.then(async (how) => {
    for (const splitter of Object.values(splitters)) splitter.flush();
    await afterExit().catch((err: unknown) => onLine(`[picobase] could not end the tenant's remaining processes: ${String(err)}`));
    return how;
  });
  let stopping: Promise<void> | undefined;
  const terminate = async () => {
    const spawnedPid = await launched.spawned;
    const target = spawnedPid === undefined ? undefined : await gracefulPid(spawnedPid);
    if (target === undefined || target === spawnedPid) launched.kill("SIGTERM");
    else signalPid(target, "SIGTERM");
  };
  return {
    get pid() {
      return pid;
    },
    spawned: launched.spawned,
    exit,
    announced,
    stop(timeoutMs) {
      stopping ??= stopChild(launched, terminate, exit, timeoutMs);
      return stopping;
    },
  };
}

async function stopChild(subprocess: { kill(signal: NodeJS.Signals): void }, terminate: () => Promise<void>, exit: Promise<ChildExit>, timeoutMs: number) {
  await terminate();
  const forced = await pTimeout(
    exit.then(() => false),
    { milliseconds: timeoutMs, fallback: () => true },
  );
  if (forced) {
    subprocess.kill("SIGKILL");
    await exit;
  }
}

/** Finds a setpriv that supports --pdeathsig (util-linux ≥ 2.33), or undefined. */
export async function findSetpriv(): Promise<string | undefined> {
  for (const dir of TENANT_PATH.split(":")) {
    const candidate = path.join(dir, "setpriv");
    try {
      await fs.access(candidate, fs.constants.X_OK);
    } catch {
      continue; // not in this directory; try the next one
    }
    const probe = await execa(candidate, ["--pdeathsig", "SIGTERM", "--", "true"], {
      reject: false,
      extendEnv: false,
      env: { PATH: TENANT_PATH },
    });
    if (probe.exitCode === 0) return candidate;
  }
  return undefined;
}
