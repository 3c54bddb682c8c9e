// The launcher: a small Node process the orchestrator forks once, which spawns tenant processes for
// it. A fork copies the forking process's page tables, so spawning from the orchestrator itself
// cost 5–10 ms of its event loop per tenant start at 150–300 MB RSS (the gateway stalled with it);
// from here it costs about 1 ms, off the orchestrator's loop. Run by Node directly (type
// stripping: only erasable TypeScript here, no local runtime imports), so it stays small.
import { spawn, type ChildProcess } from "node:child_process";
import type { LauncherEvent, LauncherRequest } from "./protocol";

/** Output messages of one child not yet taken by the orchestrator before that child's output is paused. */
const PAUSE_AT = 16;
const RESUME_AT = 4;

type Child = { process: ChildProcess; unacknowledged: number; paused: boolean };
const children = new Map<number, Child>();

function send(event: LauncherEvent, delivered?: () => void): void {
  if (!process.connected) return;
  // The callback also takes the error of a channel closing under us: we exit on "disconnect" anyway.
  process.send?.(event, undefined, undefined, () => delivered?.());
}

/** A child's output is paused while the orchestrator is behind on it, so a tenant flooding its output holds only itself up. */
function sendOutput(key: number, child: Child, stream: 1 | 2, data: string): void {
  child.unacknowledged++;
  send({ type: "output", key, stream, data }, () => {
    child.unacknowledged--;
    if (child.paused && child.unacknowledged <= RESUME_AT) setPaused(child, false);
  });
  if (!child.paused && child.unacknowledged >= PAUSE_AT) setPaused(child, true);
}

function setPaused(child: Child, pause: boolean): void {
  child.paused = pause;
  for (const stream of [child.process.stdout, child.process.stderr]) {
    if (pause) stream?.pause();
    else stream?.resume();
  }
}

function launch({ key, file, args, env, cwd }: Extract<LauncherRequest, { type: "spawn" }>): void {
  let ended = false;
  const end = (exitCode: number | null, signal: string | null, error?: string) => {
    if (ended) return;
    ended = true;
    children.delete(key);
    send({ type: "exit", key, exitCode, signal, ...(error === undefined ? {} : { error }) });
  };
  let spawned: ChildProcess;
  try {
    // Own session (detached): a Ctrl-C in the orchestrator's terminal must not reach tenants directly.
    // `env` is complete (the ProcessEnv type of Next.js adds a required NODE_ENV it need not have).
    spawned = spawn(file, args, { cwd, env: env as NodeJS.ProcessEnv, detached: true, stdio: ["ignore", "pipe", "pipe"] });
  } catch (err) {
    end(null, null, err instanceof Error ? err.message : String(err)); // thrown, not emitted: a bad cwd, ENOMEM, a NUL byte
    return;
  }
  const child: Child = { process: spawned, unacknowledged: 0, paused: false };
  children.set(key, child);
  spawned.once("spawn", () => {
    if (spawned.pid !== undefined) send({ type: "spawned", key, pid: spawned.pid });
  });
  // A later error (a failed kill) is not an exit; one before the spawn is the start failing.
  spawned.on("error", (err) => {
    if (spawned.pid === undefined) end(null, null, err.message);
  });
  // Reaped: its pid may be reused from now on, even while something it started still holds its output open.
  spawned.once("exit", () => send({ type: "reaped", key }));
  spawned.once("close", (exitCode, signal) => end(exitCode, signal));
  for (const [stream, n] of [
    [spawned.stdout, 1],
    [spawned.stderr, 2],
  ] as const) {
    if (!stream) continue; // not created when the spawn failed early (EMFILE)
    stream.setEncoding("utf8");
    stream.on("data", (data: string) => sendOutput(key, child, n, data));
    stream.on("error", () => undefined); // the end of the child's output either way; its exit follows
  }
}

process.on("message", (request: LauncherRequest) => {
  if (request.type === "spawn") launch(request);
  else children.get(request.key)?.process.kill(request.signal);
});
// Only the orchestrator ends us, by closing the channel (on shutdown, after its tenants stopped,
// or by dying, even by SIGKILL). A signal meant for it (a terminal's Ctrl-C or hangup, a service
// manager's SIGTERM) must not end us first: tenants die with us (bwrap --die-with-parent, setpriv
// --pdeathsig) before the orchestrator has stopped them in order.
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) process.on(signal, () => undefined);
process.on("disconnect", () => process.exit(0));
