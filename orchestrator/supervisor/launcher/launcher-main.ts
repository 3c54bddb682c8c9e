// The launcher: a small Node process the orchestrator forks once, which spawns tenant processes for
// it. A fork copies the forking process's page tables, so spawning from the orchestrator itself
// cost 5–10 ms of its event loop per tenant start at 150–300 MB RSS (the gateway stalled with it);
// from here it costs about 1 ms, off the orchestrator's loop. Run by Node directly (type
// stripping: only erasable TypeScript here, no local runtime imports), so it stays small.
import { spawn, type ChildProcessByStdio } from "node:child_process";
import type { Readable } from "node:stream";
import type { LauncherEvent, LauncherRequest } from "./protocol";

/** Unacknowledged messages before the tenants' output is paused (a tenant spamming its output cannot grow our memory). */
const PAUSE_AT = 256;
const RESUME_AT = 32;

type Child = ChildProcessByStdio<null, Readable, Readable>;

const children = new Map<number, Child>();
let unacknowledged = 0;
let paused = false;

function send(event: LauncherEvent): void {
  if (!process.connected) return;
  unacknowledged++;
  process.send?.(event, undefined, undefined, () => {
    unacknowledged--;
    if (paused && unacknowledged <= RESUME_AT) setPaused(false);
  });
  if (!paused && unacknowledged >= PAUSE_AT) setPaused(true);
}

function setPaused(pause: boolean): void {
  paused = pause;
  for (const child of children.values()) {
    for (const stream of [child.stdout, child.stderr]) {
      if (pause) stream.pause();
      else stream.resume();
    }
  }
}

function launch({ key, file, args, env, cwd }: Extract<LauncherRequest, { type: "spawn" }>): void {
  // Own session (detached): a Ctrl-C in the orchestrator's terminal must not reach tenants directly.
  // `env` is complete (the ProcessEnv type of Next.js adds a required NODE_ENV it need not have).
  const child: Child = spawn(file, args, { cwd, env: env as NodeJS.ProcessEnv, detached: true, stdio: ["ignore", "pipe", "pipe"] });
  children.set(key, child);
  let ended = false;
  const end = (exitCode: number | null, signal: string | null, error?: string) => {
    if (ended) return;
    ended = true;
    children.delete(key);
    send({ type: "exit", key, exitCode, signal, ...(error === undefined ? {} : { error }) });
  };
  child.once("spawn", () => send({ type: "spawned", key, pid: child.pid ?? -1 }));
  child.once("error", (err) => {
    if (child.pid === undefined) end(null, null, err.message); // never started; a kill error on a live child is not an exit
  });
  child.once("close", (exitCode, signal) => end(exitCode, signal));
  for (const [stream, n] of [
    [child.stdout, 1],
    [child.stderr, 2],
  ] as const) {
    stream.setEncoding("utf8");
    stream.on("data", (data: string) => send({ type: "output", key, stream: n, data }));
    if (paused) stream.pause();
  }
}

process.on("message", (request: LauncherRequest) => {
  if (request.type === "spawn") launch(request);
  else children.get(request.key)?.kill(request.signal);
});
// The orchestrator is gone (even by SIGKILL: its end of the channel closes). Tenants go with us:
// bwrap --die-with-parent / setpriv --pdeathsig, and the orchestrator's next start sweeps the rest.
process.on("disconnect", () => process.exit(0));
