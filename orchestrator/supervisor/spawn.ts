import fs from "node:fs/promises";
import path from "node:path";
import { execa } from "execa";
import { createLineSplitter } from "./line-splitter";
import { TENANT_PATH } from "./tenant-command";
import { identityArgs, type TenantIdentity } from "./tenant-identity";

export type ChildExit = { exitCode: number | null; signal: string | null; error?: string };

/** One spawned PocketBase process. */
export type TenantChild = {
  pid: number | undefined;
  /** Resolves (never rejects) when the process has exited. */
  exit: Promise<ChildExit>;
  /** SIGTERM, then SIGKILL after `timeoutMs`; resolves once the process is gone. Idempotent. */
  stop(timeoutMs: number): Promise<void>;
};

export type SpawnOptions = {
  binary: string;
  args: string[];
  env: Record<string, string>;
  cwd: string;
  /** setpriv path: the child then gets SIGTERM when the orchestrator dies, even by SIGKILL. */
  setpriv: string | undefined;
  /** Run as this unprivileged user (needs setpriv and root). */
  identity?: TenantIdentity | undefined;
  onLine: (line: string) => void;
};

/** Spawns a long-running tenant process with a scrubbed environment, streaming its output by line. */
export function spawnTenant({ binary, args, env, cwd, setpriv, identity, onLine }: SpawnOptions): TenantChild {
  if (identity && !setpriv) throw new Error("setpriv (util-linux) is required to run tenants under their own uid");
  const [file, fileArgs] = setpriv
    ? [setpriv, [...identityArgs(identity), "--pdeathsig", "SIGTERM", "--", binary, ...args]]
    : [binary, args];
  const subprocess = execa(file, fileArgs, {
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
  for (const stream of [subprocess.stdout, subprocess.stderr]) {
    const splitter = createLineSplitter(onLine);
    stream.setEncoding("utf8");
    stream.on("data", (chunk: string) => splitter.push(chunk));
    stream.on("end", () => splitter.flush());
  }
  const exit: Promise<ChildExit> = subprocess.then((result) => ({
    exitCode: result.exitCode ?? null,
    signal: result.signal ?? null,
    ...(result.exitCode === undefined && !result.signal ? { error: result.originalMessage ?? result.shortMessage } : {}),
  }));
  let stopping: Promise<void> | undefined;
  return {
    pid: subprocess.pid,
    exit,
    stop(timeoutMs) {
      stopping ??= stopChild(subprocess, exit, timeoutMs);
      return stopping;
    },
  };
}

async function stopChild(subprocess: { kill(signal: NodeJS.Signals): boolean }, exit: Promise<ChildExit>, timeoutMs: number) {
  subprocess.kill("SIGTERM");
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<true>((resolve) => {
    timer = setTimeout(() => resolve(true), timeoutMs);
  });
  const forced = await Promise.race([exit.then(() => false), timedOut]);
  clearTimeout(timer);
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
