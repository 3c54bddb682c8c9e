import fs from "node:fs/promises";
import path from "node:path";
import { execa } from "execa";
import pTimeout from "p-timeout";
import type { Logger } from "../logger";
import { findSetpriv } from "../supervisor/spawn";
import { keepRestarting, type RestartPolicy } from "../tools/restart-loop";
import { defaultSleep } from "../tools/periodic-task";
import { socketRequest } from "./control-socket";
import { litestreamConfig, type LitestreamSettings } from "./litestream-config";

export type LitestreamDaemon = {
  /** Whether it runs and answered on its socket since it last (re)started. */
  isUp(): boolean;
  /** A JSON request to its control socket, once it listens. */
  request<T>(method: "GET" | "POST", urlPath: string, body?: unknown, timeoutMs?: number): Promise<T>;
  /** Stops it (SIGTERM: it syncs what it has before exiting). */
  stop(): Promise<void>;
};

/** 0.5 s, 1 s, 2 s … 30 s between restarts; it is never given up on (replication must come back). */
const RESTARTS: RestartPolicy = { initialDelayMs: 500, maxDelayMs: 30_000, maxRestarts: Number.MAX_SAFE_INTEGER, windowMs: 600_000 };
const READY_TIMEOUT_MS = 15_000;

/**
 * Runs the node's one Litestream process (`litestream replicate` with a generated config and a
 * control socket), restarting it when it exits; `onStarted` runs after each (re)start, once its
 * socket answers, so the caller can register the running tenants again. It is tied to us with
 * pdeathsig (SIGTERM), so an orchestrator that dies takes it along after its final sync.
 */
export async function startLitestream(opts: {
  binary: string;
  workDir: string;
  settings: Omit<LitestreamSettings, "socketPath">;
  env: Record<string, string>;
  log: Logger;
  onStarted: () => Promise<void>;
}): Promise<LitestreamDaemon> {
  const { log } = opts;
  await fs.mkdir(opts.workDir, { recursive: true, mode: 0o700 });
  const socketPath = path.join(opts.workDir, "control.sock");
  const configFile = path.join(opts.workDir, "litestream.yml");
  await fs.writeFile(configFile, litestreamConfig({ ...opts.settings, socketPath }), { mode: 0o600 });
  const setpriv = await findSetpriv();
  const command = setpriv ? [setpriv, "--pdeathsig", "SIGTERM", "--", opts.binary] : [opts.binary];
  const stopping = new AbortController();
  let child: ReturnType<typeof execa> | undefined;
  let ready: Promise<void> = Promise.resolve();
  let up = false;
  let markReady: () => void = () => undefined;
  const resetReady = () => {
    up = false;
    ready = new Promise<void>((resolve) => (markReady = () => ((up = true), resolve())));
  };
  resetReady();

  const spawnOnce = async () => {
    const [file = opts.binary, ...args] = [...command, "replicate", "-config", configFile];
    child = execa(file, args, {
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: opts.workDir, ...opts.env },
      extendEnv: false,
      stdin: "ignore",
      buffer: false,
      reject: false,
      cleanup: false,
    });
    child.stderr?.setEncoding("utf8");
    child.stderr?.on("data", (chunk: string) => logLines(log, chunk));
    child.stdout?.resume();
    void waitForSocket(socketPath, stopping.signal).then(async (up) => {
      if (!up) return;
      try {
        await opts.onStarted();
      } catch (err) {
        log.error({ err }, "registering databases with Litestream failed");
      }
      markReady();
    });
    const result = await child;
    resetReady();
    return { code: result.exitCode ?? null, signal: result.signal ?? null };
  };

  const loop = keepRestarting({
    spawn: spawnOnce,
    policy: RESTARTS,
    signal: stopping.signal,
    onExit: (exit, restartInMs) => log.error({ exit, restartInMs }, "Litestream exited; restarting it"),
  });

  return {
    isUp: () => up,
    async request(method, urlPath, body, timeoutMs) {
      await pTimeout(ready, { milliseconds: READY_TIMEOUT_MS, message: "Litestream is not running" });
      return socketRequest(socketPath, method, urlPath, body, timeoutMs);
    },
    async stop() {
      stopping.abort();
      child?.kill("SIGTERM");
      await loop;
    },
  };
}

/** Polls the socket until Litestream answers (or we stop); true once it does. */
async function waitForSocket(socketPath: string, signal: AbortSignal): Promise<boolean> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (!signal.aborted && Date.now() < deadline) {
    try {
      await socketRequest(socketPath, "GET", "/info", undefined, 1_000);
      return true;
    } catch {
      await defaultSleep(50, signal); // not listening yet
    }
  }
  return false;
}

/** Litestream logs JSON lines (warnings and errors only): passed on at their level. */
function logLines(log: Logger, chunk: string): void {
  for (const line of chunk.split("\n")) {
    if (!line.trim()) continue;
    let entry: { level?: string; msg?: string } = {};
    try {
      entry = JSON.parse(line) as typeof entry;
    } catch {
      entry = { msg: line };
    }
    if (entry.msg === "no databases specified in configuration") continue; // expected: they come through the socket
    const level = entry.level === "ERROR" ? "error" : entry.level === "WARN" ? "warn" : "info";
    log[level]({ litestream: entry }, `litestream: ${entry.msg ?? line}`);
  }
}
