import fs from "node:fs";
import os from "node:os";
import { afterEach, describe, expect, it } from "vitest";
import { createLogger } from "../../logger";
import { isAlive } from "../proc";
import { createLauncher, helperFlags, type Launcher, type LaunchOptions } from "./launcher";

const launchers: Launcher[] = [];
const strays: number[] = [];

afterEach(() => {
  for (const launcher of launchers.splice(0)) launcher.close();
  for (const pid of strays.splice(0).filter((p) => p > 1)) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // already gone: that is what the test wanted
    }
  }
});

function open(): Launcher {
  const launcher = createLauncher(createLogger("silent"));
  launchers.push(launcher);
  return launcher;
}

/** Collects a launched process's output per stream. */
function collector(): { out: Record<1 | 2, string>; options: LaunchOptions } {
  const out: Record<1 | 2, string> = { 1: "", 2: "" };
  return { out, options: { env: { PATH: "/usr/bin:/bin", ONLY: "this" }, cwd: os.tmpdir(), onOutput: (stream, data) => (out[stream] += data) } };
}

/** A numeric field of /proc/<pid>/stat, counted from the state after the command name (1: parent, 2: process group). */
const statField = (pid: number, index: number) => Number(fs.readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ")[index]);
const parentOf = (pid: number) => statField(pid, 1);
/** A `sleep 30` started by `launcher`, with its pid and the helper that forked it (killed after the test). */
async function sleeper(launcher: Launcher) {
  const launched = launcher.launch({ file: "/bin/sleep", args: ["30"] }, collector().options);
  const pid = await launched.spawned;
  if (pid === undefined) throw new Error("sleep did not start");
  strays.push(pid);
  return { launched, pid, helper: parentOf(pid) };
}

const sh = (script: string) => ({ file: "/bin/sh", args: ["-c", script] });

describe("helperFlags", () => {
  it.each([
    ["22.15.0", true],
    ["22.17.1", true],
    ["22.18.0", false],
    ["23.8.0", false],
    ["24.0.0", false],
  ])("Node %s needs the type-stripping flag: %s", (version, flag) => {
    expect(helperFlags(version).includes("--experimental-strip-types")).toBe(flag);
  });

  it("refuses a Node older than PicoBase supports, naming the versions it needs", () => {
    expect(() => helperFlags("20.20.2")).toThrow(/Node.js 22.15 or later, or 24 \(this is 20.20.2\)/);
  });
});

describe("launcher", () => {
  it("runs a process from its own helper, with only the given environment, its output per stream and its exit code", async () => {
    const { out, options } = collector();
    const launched = open().launch(sh('echo "pid $$ parent $PPID"; env | sort; echo oops >&2; exit 3'), options);
    const pid = await launched.spawned;
    expect(pid).toBeGreaterThan(0);
    expect(await launched.exit).toEqual({ exitCode: 3, signal: null });
    const [first, ...env] = out[1].trim().split("\n");
    const [, shellPid, , parent] = first?.split(" ") ?? [];
    expect(Number(shellPid)).toBe(pid);
    expect(Number(parent)).not.toBe(process.pid); // forked by the helper, not by us
    expect(env.filter((line) => !line.startsWith("PWD=") && !line.startsWith("SHLVL=") && !line.startsWith("_="))).toEqual(["ONLY=this", "PATH=/usr/bin:/bin"]);
    expect(out[2]).toBe("oops\n");
  });

  it("signals a running process, and says why one could not start", async () => {
    const launcher = open();
    const { launched } = await sleeper(launcher);
    launched.kill("SIGTERM");
    expect(await launched.exit).toEqual({ exitCode: null, signal: "SIGTERM" });

    const missing = launcher.launch({ file: "/nonexistent/binary", args: [] }, collector().options);
    expect(await missing.spawned).toBeUndefined();
    expect((await missing.exit).error).toMatch(/ENOENT/);

    // Refused by spawn() itself (thrown, not emitted): that start fails, the helper goes on.
    const badEnv = launcher.launch(sh("true"), { ...collector().options, env: { PATH: "/bin", BAD: "a\0b" } });
    expect((await badEnv.exit).error).toMatch(/null bytes/);
    const next = launcher.launch(sh("exit 0"), collector().options);
    expect(await next.exit).toEqual({ exitCode: 0, signal: null });
  });

  it("runs with no environment of its own, out of the orchestrator's process group, deaf to a terminal's signals", async () => {
    const launcher = open();
    const { pid, helper } = await sleeper(launcher);
    const environ = fs.readFileSync(`/proc/${helper}/environ`, "utf8").split("\0").filter(Boolean);
    expect(environ.filter((v) => !v.startsWith("NODE_CHANNEL_"))).toEqual([]); // Node's own IPC settings only
    expect(statField(helper, 2)).not.toBe(statField(process.pid, 2));
    for (const signal of ["SIGINT", "SIGHUP", "SIGTERM"] as const) process.kill(helper, signal);
    const again = launcher.launch(sh("echo still here"), collector().options);
    expect(await again.exit).toEqual({ exitCode: 0, signal: null });
    expect(await isAlive(pid)).toBe(true);
  });

  it("passes a large output on whole and in order (the helper pauses a fast writer rather than buffering it)", async () => {
    const { out, options } = collector();
    const launched = open().launch(
      sh("i=0; while [ $i -lt 20000 ]; do echo line-$i-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx; i=$((i+1)); done"),
      options,
    );
    expect(await launched.exit).toEqual({ exitCode: 0, signal: null });
    const lines = out[1].trim().split("\n");
    expect(lines).toHaveLength(20_000);
    expect(lines.every((line, i) => line.startsWith(`line-${i}-`))).toBe(true);
  });

  it("fails a start whose helper could not even be forked, rather than leaving it waiting", async () => {
    const launcher = createLauncher(createLogger("silent"), "/nonexistent/node");
    launchers.push(launcher);
    const launched = launcher.launch(sh("true"), collector().options);
    expect(await launched.spawned).toBeUndefined();
    expect(await launched.exit).toEqual({ exitCode: null, signal: null, error: "the tenant launcher exited" });
  });

  it("ends what runs when its helper dies, and starts a new helper for the next process", async () => {
    const launcher = open();
    const { launched, pid, helper } = await sleeper(launcher);
    expect(helper).not.toBe(process.pid);
    process.kill(helper, "SIGKILL");
    expect(await launched.exit).toEqual({ exitCode: null, signal: null, error: "the tenant launcher exited" });
    expect(await isAlive(pid)).toBe(false); // a plain child has no parent-death signal: killed for it

    const next = launcher.launch(sh("echo again"), collector().options);
    expect(await next.spawned).toBeGreaterThan(0);
    expect(await next.exit).toEqual({ exitCode: 0, signal: null });
  });
});
