import { fork, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { assertSupportedNode } from "../../tools/node-version";
import type { Logger } from "../../logger";
import { signalPid, startTimeOf, waitUntilGone } from "../proc";
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

type Entry = {
  onOutput: LaunchOptions["onOutput"];
  /** While it runs: its pid and (once read) its start time, which tell it from a later process given the same pid. */
  pid?: number;
  startTime?: Promise<string | undefined>;
  spawned(pid: number | undefined): void;
  exited(exit: ChildExit): void;
};
type Helper = { process: ChildProcess; children: Map<number, Entry> };

const MAIN = fileURLToPath(new URL("./launcher-main.ts", import.meta.url));

/**
 * Node runs the helper's TypeScript itself: type stripping is on by default from Node 22.18 and
 * 23.6, behind a flag from 22.6. Throws for a Node older than PicoBase supports (tools/node-version.ts).
 */
export function helperFlags(version = process.versions.node): string[] {
  const { major, minor } = assertSupportedNode(version);
  const byDefault = major > 23 || (major === 23 && minor >= 6) || (major === 22 && minor >= 18);
  return byDefault ? [] : ["--experimental-strip-types", "--disable-warning=ExperimentalWarning"];
}

/** The launcher, forked at its first use and again after it died (`execPath`: the Node binary, tests only). */
export function createLauncher(log: Logger, execPath = process.execPath): Launcher {
  const flags = helperFlags(); // once (main.ts has already refused a Node older than PicoBase supports)
  let helper: Helper | undefined;
  let nextKey = 1;
  let closed = false;

  const start = (): Helper => {
    // Its own process group (a Ctrl-C to the orchestrator's must not end it and its tenants with
    // it) and no environment: it needs none, and the orchestrator's holds the platform's secrets.
    const child = fork(MAIN, [], {
      execPath,
      execArgv: flags,
      env: {} as NodeJS.ProcessEnv,
      detached: true,
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    });
    const started: Helper = { process: child, children: new Map() };
    // The next start goes to a new helper as soon as this one is on its way out…
    const leaving = () => {
      if (helper === started) helper = undefined;
    };
    child.on("message", (event: LauncherEvent) => onEvent(started, event));
    child.once("exit", (code, signal) => {
      leaving();
      if (started.children.size > 0) log.error({ code, signal, children: started.children.size }, "the tenant launcher exited with processes running");
    });
    child.once("disconnect", leaving);
    child.on("error", (err) => {
      leaving();
      log.error({ err }, "the tenant launcher failed");
    });
    // …and its children are failed once it is gone and every message it sent has been read:
    // "close" comes last, after an exit or a failed fork (which has no "exit") alike.
    child.once("close", () => {
      leaving();
      void failChildren(started, log);
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
      if (helper?.process.connected) helper.process.disconnect();
      helper = undefined;
    },
  };
}

/** Sends a request; a channel closing under us is seen by its "disconnect" (the callback takes the error). */
function send(helper: Helper, request: LauncherRequest): void {
  if (helper.process.connected) helper.process.send(request, undefined, undefined, () => undefined);
}

function onEvent(helper: Helper, event: LauncherEvent): void {
  const entry = helper.children.get(event.key);
  if (!entry) return;
  if (event.type === "output") entry.onOutput(event.stream, event.data);
  else if (event.type === "spawned") {
    if (event.pid <= 1) return; // never a real child's: signalling it would reach every process or init
    entry.pid = event.pid;
    entry.startTime = startTimeOf(event.pid).catch(() => undefined);
    entry.spawned(event.pid);
  } else if (event.type === "reaped") delete entry.pid;
  else {
    helper.children.delete(event.key);
    entry.spawned(undefined);
    entry.exited({ exitCode: event.exitCode, signal: event.signal, ...(event.error === undefined ? {} : { error: event.error }) });
  }
}

/**
 * The helper is gone. Sandboxed tenants died with it (bwrap --die-with-parent); any other child it
 * had not reaped is killed here, and reported gone only once it is, so supervision never runs a
 * second PocketBase on one data folder.
 */
async function failChildren(helper: Helper, log: Logger): Promise<void> {
  const entries = [...helper.children.values()];
  helper.children.clear();
  await Promise.all(
    entries.map(async (entry) => {
      const { pid } = entry;
      try {
        // Only the process it started: once reaped (by init, after the helper died), its pid may be another's.
        const startedAt = pid === undefined ? undefined : await entry.startTime;
        if (pid !== undefined && startedAt !== undefined && (await startTimeOf(pid)) === startedAt && signalPid(pid, "SIGKILL")) {
          if (!(await waitUntilGone(pid, 5_000))) log.error({ pid }, "a process of the tenant launcher is still there 5 s after SIGKILL");
        }
      } catch (err) {
        log.error({ err, pid }, "could not end a process of the tenant launcher");
      }
      entry.spawned(undefined);
      entry.exited({ exitCode: null, signal: null, error: "the tenant launcher exited" });
    }),
  );
}
