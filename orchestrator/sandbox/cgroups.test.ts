import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { openCgroups, removeCgroupLeftovers, type Cgroups } from "./cgroups";

const limits = { memoryBytes: 64 * 1024 * 1024, pids: 64, cpuWeight: 100, cpuCores: 0.5 };
const opened: Array<{ cgroups: Cgroups; name: string }> = [];

/** The host's real hierarchy (root only): the kernel decides what a folder may hold. */
async function open(scope: string): Promise<Cgroups> {
  const cgroups = await openCgroups(scope);
  if (typeof cgroups === "string") throw new Error(cgroups);
  return cgroups;
}

afterEach(async () => {
  for (const { cgroups, name } of opened.splice(0)) {
    await cgroups.remove(name);
    await cgroups.close();
  }
});

describe.skipIf(process.getuid?.() !== 0)("per-tenant cgroups", () => {
  it("gives two orchestrators that share their own cgroup separate folders for one instance", async () => {
    const [a, b] = [await open("t0aa"), await open("t0bb")];
    const name = `cgroups-test-${process.pid}`;
    opened.push({ cgroups: a, name }, { cgroups: b, name });
    const [ca, cb] = [await a.create(name, limits), await b.create(name, limits)];
    expect(ca.procsFiles.filter((f) => cb.procsFiles.includes(f))).toEqual([]);
    expect(ca.procsFiles.every((f) => f.includes(`/picobase-t0aa/${name}/`))).toBe(true);

    // Removing one orchestrator's copy (a fenced, stale one) leaves the other's in place.
    await a.remove(name);
    expect(ca.procsFiles.filter((f) => fs.existsSync(path.dirname(f)))).toEqual([]);
    expect(cb.procsFiles.every((f) => fs.existsSync(path.dirname(f)))).toBe(true);
  });

  it("kills and removes what a killed run of the same orchestrator left, at its next start", async () => {
    const name = `cgroups-test-${process.pid}`;
    const first = await open("t0cc");
    const left = await first.create(name, limits);
    const sleeper = spawn("sleep", ["60"], { stdio: "ignore" });
    const exited = new Promise((resolve) => sleeper.once("exit", resolve));
    for (const file of left.procsFiles) fs.writeFileSync(file, String(sleeper.pid));
    expect(await left.pids()).toEqual([sleeper.pid]);

    const next = await open("t0cc"); // the first is never closed, as after a kill
    opened.push({ cgroups: next, name });
    await exited;
    expect(left.procsFiles.filter((f) => fs.existsSync(path.dirname(f)))).toEqual([]);
  });

  it("removes a killed orchestrator's cgroups for good when it will not come back", async () => {
    const name = `cgroups-test-${process.pid}`;
    const gone = await (await open("t0dd")).create(name, limits);
    await removeCgroupLeftovers("t0dd");
    expect(
      gone.procsFiles
        .map(path.dirname)
        .flatMap((d) => [d, path.dirname(d)])
        .filter((d) => fs.existsSync(d)),
    ).toEqual([]);
  });

  it("says why when a controller is missing", async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "picobase-cgroups-"));
    try {
      fs.mkdirSync(path.join(root, "memory"));
      fs.writeFileSync(path.join(root, "memory", "cgroup.procs"), "");
      expect(await openCgroups("t0aa", root)).toMatch(/"pids" is not mounted/);
    } finally {
      fs.rmSync(root, { recursive: true });
    }
  });
});
