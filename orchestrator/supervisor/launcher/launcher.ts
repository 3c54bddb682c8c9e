import { fork, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { Logger } from "../../logger";
import { signalPid } from "../proc";
import type { ChildExit } from "../spawn";
import type { LauncherEvent, LauncherRequest } from "./protocol";

/** A process started by the launcher. */
type Launched = {
  /** Resolves with its pid once it runs, or undefined when it could not be started. */
  spawned: Promise<number | undefined>;
  /** Resolves (never rejects) once it has exited and its output has ended. */
  exit: Promise<ChildExit>;
  /** Signals it; nothing once it has exited (its pid may belong to another process by then). */
  kill(signal: NodeJS.Signals): void;
};

export type LaunchOptions = {
  /** The complete environment: nothing of the orchestrator's is added. */
  env: Record<string, string>;
  cwd: string;
  onOutput: (stream: 1 | 2, data: string) => void;
};

/** Spawns processes from a small helper process, so a start never forks the (large) orchestrator. */
export type Launcher = {
  launch(command: { file: string; args: string[] }, options: LaunchOptions): Launched;
  /** Ends the helper (its remaining children go with it). */
  close(): void;
};

type Entry = { onOutput: LaunchOptions["onOutput"]; pid?: number; spawned(pid: number | undefined): void; exited(exit: ChildExit): void };
type Helper = { process: ChildProcess; children: Map<number, Entry> };

const MAIN = fileURLToPath(new URL("./launcher-main.ts", import.meta.url));

/** Node runs the helper's TypeScript itself (type stripping; a flag before Node 22.18). */
function helperFlags(): string[] {
  return process.features.typescript ? [] : ["--experimental-strip-types", "--disable-warning=ExperimentalWarning"];
}

/** The launcher, forked at its first use and again after it died. */
export function createLauncher(log: Logger): Launcher {
  let helper: Helper | undefined;
  let nextKey = 1;
  let closed = false;

  const start = (): Helper => {
    const child = fork(MAIN, [], { execArgv: helperFlags(), stdio: ["ignore", "inherit", "inherit", "ipc"] });
    const started: Helper = { process: child, children: new Map() };
    child.on("message", (event: LauncherEvent) => onEvent(started, event));
    child.once("exit", (code, signal) => {
      if (helper === started) helper = undefined;
      if (started.children.size > 0) log.error({ code, signal, children: started.children.size }, "the tenant launcher exited with processes running");
      for (const entry of started.children.values()) {
        // Sandboxed tenants died with it (bwrap --die-with-parent); make sure of any other one
        // before supervision restarts it, so two never run on one data folder.
        if (entry.pid !== undefined) signalPid(entry.pid, "SIGKILL");
        entry.spawned(undefined);
        entry.exited({ exitCode: null, signal: null, error: "the tenant launcher exited" });
      }
      started.children.clear();
    });
    return started;
  };

  return {
    launch(command, { env, cwd, onOutput }) {
      if (closed) throw new Error("the tenant launcher is closed");
      const current = (helper ??= start());
      const key = nextKey++;
      let spawned: (pid: number | undefined) => void = () => undefined;
      let exited: (exit: ChildExit) => void = () => undefined;
      const launched: Launched = {
        spawned: new Promise((resolve) => (spawned = resolve)),
        exit: new Promise((resolve) => (exited = resolve)),
        kill: (signal) => {
          if (current.children.has(key)) send(current, { type: "kill", key, signal });
        },
      };
      current.children.set(key, { onOutput, spawned, exited });
      send(current, { type: "spawn", key, file: command.file, args: command.args, env, cwd });
      return launched;
    },
    close() {
      closed = true;
      helper?.process.disconnect();
      helper = undefined;
    },
  };
}

function send(helper: Helper, request: LauncherRequest): void {
  if (helper.process.connected) helper.process.send(request);
}

function onEvent(helper: Helper, event: LauncherEvent): void {
  const entry = helper.children.get(event.key);
  if (!entry) return;
  if (event.type === "output") entry.onOutput(event.stream, event.data);
  else if (event.type === "spawned") {
    entry.pid = event.pid;
    entry.spawned(event.pid);
  } else {
    helper.children.delete(event.key);
    entry.spawned(undefined);
    entry.exited({ exitCode: event.exitCode, signal: event.signal, ...(event.error === undefined ? {} : { error: event.error }) });
  }
}
