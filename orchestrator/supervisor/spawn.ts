import fs from "node:fs/promises";
import path from "node:path";
import { execa } from "execa";
import pTimeout from "p-timeout";
import { createLineSplitter } from "./line-splitter";
import { signalPid } from "./proc";
import { TENANT_PATH } from "./tenant-command";

/** PocketBase prints this once its HTTP listener is open. */
const SERVER_STARTED = "Server started at";

export type ChildExit = { exitCode: number | null; signal: string | null; error?: string };

/** One spawned PocketBase process. */
export type TenantChild = {
  pid: number | undefined;
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
  command: { file: string; args: string[] };
  env: Record<string, string>;
  cwd: string;
  /** The process that should get the graceful SIGTERM (inside a sandbox it is not the one we spawned). */
  gracefulPid: (spawnedPid: number) => Promise<number | undefined>;
  /** Runs once the process has exited, before `exit` resolves (ends whatever the tenant left running). */
  afterExit: () => Promise<void>;
  onLine: (line: string) => void;
};

/** Spawns a long-running tenant process with a scrubbed environment, streaming its output by line. */
export function spawnTenant({ command, env, cwd, gracefulPid, afterExit, onLine }: SpawnOptions): TenantChild {
  const subprocess = execa(command.file, command.args, {
    cwd,
    env,
    extendEnv: false,
    stdin: "ignore",
    buffer: false,
    reject: false,
    // Own session: a Ctrl-C in the orchestrator's terminal must not reach tenants directly, so
    // shutdown can stop (and snapshot) them in order. Orchestrator death is covered by pdeathsig.
    detached: true,
    cleanup: false,
    forceKillAfterDelay: false,
  });
  let announce: () => void = () => undefined;
  const announced = new Promise<void>((resolve) => (announce = resolve));
  const lineHandler = (line: string) => {
    if (line.includes(SERVER_STARTED)) announce();
    onLine(line);
  };
  for (const stream of [subprocess.stdout, subprocess.stderr]) {
    const splitter = createLineSplitter(lineHandler);
    stream.setEncoding("utf8");
    stream.on("data", (chunk: string) => splitter.push(chunk));
    stream.on("end", () => splitter.flush());
  }
  const exit: Promise<ChildExit> = subprocess.then(async (result) => {
    const how: ChildExit = {
      exitCode: result.exitCode ?? null,
      signal: result.signal ?? null,
      ...(result.exitCode === undefined && !result.signal ? { error: result.originalMessage ?? result.shortMessage } : {}),
    };
    await afterExit().catch((err: unknown) => onLine(`[picobase] could not end the tenant's remaining processes: ${String(err)}`));
    return how;
  });
  let stopping: Promise<void> | undefined;
  const terminate = async () => {
    const target = subprocess.pid === undefined ? undefined : await gracefulPid(subprocess.pid);
    if (target === undefined || target === subprocess.pid) subprocess.kill("SIGTERM");
    else signalPid(target, "SIGTERM");
  };
  return {
    pid: subprocess.pid,
    exit,
    announced,
    stop(timeoutMs) {
      stopping ??= stopChild(subprocess, terminate, exit, timeoutMs);
      return stopping;
    },
  };
}

async function stopChild(subprocess: { kill(signal: NodeJS.Signals): boolean }, terminate: () => Promise<void>, exit: Promise<ChildExit>, timeoutMs: number) {
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
