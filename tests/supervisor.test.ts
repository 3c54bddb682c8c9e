import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import getPort from "get-port";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "../orchestrator/logger";
import { createSupervisor, type SupervisorDeps, type SupervisorEvent } from "../orchestrator/supervisor/create-supervisor";
import { isPortFree } from "../orchestrator/supervisor/port-allocator";
import { isAlive } from "../orchestrator/supervisor/proc";
import { tenantPaths } from "../orchestrator/tenant/paths";
import { repoRoot, tools } from "./support/tools";
import { waitFor } from "./support/wait";

const EMAIL = "platform@picobase.internal";
const PASSWORD = "platform-password-123";
const log = createLogger("silent");

let tenantsDir: string;
let basePort: number;
const supervisors: Array<ReturnType<typeof createSupervisor>> = [];
const strayPids: number[] = [];

function makeSupervisor(overrides: Partial<SupervisorDeps["config"]> = {}, extra: Partial<SupervisorDeps> = {}) {
  const supervisor = createSupervisor({
    config: {
      pocketbaseBinary: tools.pocketbase,
      ports: { base: basePort, range: 200 },
      tenantMemoryLimit: "48MiB",
      startTimeoutMs: 20_000,
      stopTimeoutMs: 5_000,
      ...overrides,
    },
    log,
    ...extra,
  });
  supervisors.push(supervisor);
  return supervisor;
}

function recorder() {
  const events: SupervisorEvent[] = [];
  const lifecycle = () => events.filter((e) => e.type !== "output");
  return { events, lifecycle, onEvent: (e: SupervisorEvent) => void events.push(e) };
}

async function superuserToken(url: string): Promise<string> {
  const res = await fetch(`${url}/api/collections/_superusers/auth-with-password`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ identity: EMAIL, password: PASSWORD }),
  });
  expect(res.status).toBe(200);
  return ((await res.json()) as { token: string }).token;
}

async function postJson(url: string, body: unknown, token?: string): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", ...(token ? { authorization: token } : {}) },
    body: JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

/** What a dead orchestrator leaves behind: a detached PocketBase serving the tenant, and its pid file. */
async function leaveOrphan(paths: ReturnType<typeof tenantPaths>) {
  fs.mkdirSync(paths.meta, { recursive: true });
  const port = await getPort();
  const child = spawn(tools.pocketbase, ["serve", "--http", `127.0.0.1:${port}`, "--dir", paths.dataDir], {
    detached: true,
    stdio: "ignore",
  });
  child.unref();
  strayPids.push(child.pid as number);
  fs.writeFileSync(paths.pidFile, `${child.pid}\n`);
  await waitFor("orphan health", async () => ((await fetch(`http://127.0.0.1:${port}/api/health`)).ok ? true : undefined));
  return child;
}

beforeAll(async () => {
  tenantsDir = fs.mkdtempSync(path.join(os.tmpdir(), "picobase-supervisor-"));
  basePort = await getPort({ port: 20_000 + Math.floor(Math.random() * 20_000) });
});

afterAll(async () => {
  await Promise.allSettled(supervisors.map((s) => s.stopAll()));
  for (const pid of strayPids) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // already gone: nothing to clean up
    }
  }
  fs.rmSync(tenantsDir, { recursive: true, force: true });
});

describe("supervisor (real PocketBase)", () => {
  it("launches a healthy tenant whose platform superuser can sign in, then stops it cleanly", async () => {
    const supervisor = makeSupervisor();
    const paths = tenantPaths(tenantsDir, "basic");
    await supervisor.ensureSuperuser(path.basename(paths.root), paths, EMAIL, PASSWORD);
    const proc = await supervisor.launch("basic", paths, () => {});
    const { pid, port } = proc;
    expect(proc.url).toBe(`http://127.0.0.1:${port}`);
    expect((await fetch(`${proc.url}/api/health`)).status).toBe(200);
    expect(await superuserToken(proc.url)).toMatch(/\S{20,}/);
    expect(fs.readFileSync(paths.pidFile, "utf8").trim()).toBe(String(pid));

    await proc.stop();
    await proc.stop(); // idempotent
    expect(await proc.exited).toEqual({ reason: "stopped" });
    expect(await isAlive(pid as number)).toBe(false);
    expect(await isPortFree(port)).toBe(true);
    expect(fs.existsSync(paths.pidFile)).toBe(false);
    expect(fs.readFileSync(paths.logFile, "utf8")).toContain("Server started at");
  });

  it("restarts a tenant killed with SIGKILL on the same url, keeping its data", async () => {
    const supervisor = makeSupervisor();
    const paths = tenantPaths(tenantsDir, "crashy");
    await supervisor.ensureSuperuser(path.basename(paths.root), paths, EMAIL, PASSWORD);
    const rec = recorder();
    const proc = await supervisor.launch("crashy", paths, rec.onEvent);
    const url = proc.url;
    const token = await superuserToken(url);
    const collection = { name: "notes", type: "base", fields: [{ name: "title", type: "text" }], viewRule: "", createRule: "" };
    expect((await postJson(`${url}/api/collections`, collection, token)).status).toBe(200);
    const created = await postJson(`${url}/api/collections/notes/records`, { title: "survives a crash" });
    expect(created.status).toBe(200);

    const oldPid = proc.pid as number;
    process.kill(oldPid, "SIGKILL");
    await waitFor("restarted event", () => rec.events.find((e) => e.type === "restarted"));

    expect(rec.lifecycle().map((e) => e.type)).toEqual(["crashed", "restarted"]);
    expect(rec.lifecycle()[0]).toMatchObject({ type: "crashed", signal: "SIGKILL", exitCode: null });
    expect(proc.url).toBe(url);
    expect(proc.pid).not.toBe(oldPid);
    expect(fs.readFileSync(paths.pidFile, "utf8").trim()).toBe(String(proc.pid));
    const res = await fetch(`${url}/api/collections/notes/records/${String(created.json.id)}`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ title: "survives a crash" });
    expect(proc.logTail(500).some((l) => l.includes("PocketBase crashed (signal SIGKILL)"))).toBe(true);
    await proc.stop();
  });

  it("gives up with the last log lines when restarts keep crashing", async () => {
    const supervisor = makeSupervisor({}, { sleep: async () => {}, crashLoop: { maxCrashes: 3, windowMs: 60_000 } });
    const paths = tenantPaths(tenantsDir, "looping");
    await supervisor.ensureSuperuser(path.basename(paths.root), paths, EMAIL, PASSWORD);
    const rec = recorder();
    const proc = await supervisor.launch("looping", paths, rec.onEvent);
    // From now on every start panics while loading hooks, before serving anything.
    fs.writeFileSync(path.join(paths.hooksDir, "broken.pb.js"), 'throw new Error("broken hook at load");\n');
    process.kill(proc.pid as number, "SIGKILL");

    expect(await proc.exited).toEqual({ reason: "failed" });
    const types = rec.lifecycle().map((e) => e.type);
    expect(types).toEqual(["crashed", "crashed", "crashed", "failed"]);
    const failed = rec.lifecycle().at(-1);
    expect(failed?.type === "failed" && failed.reason).toMatch(/crashed 3 times/);
    expect(failed?.type === "failed" && failed.lastLines.join("\n")).toContain("broken hook at load");
    expect(fs.existsSync(paths.pidFile)).toBe(false);
    await proc.stop(); // no-op after failure
    expect(await proc.exited).toEqual({ reason: "failed" });
  });

  it("gives tenants a scrubbed environment without the orchestrator's secrets", async () => {
    const secret = `secret-${Math.random().toString(36).slice(2)}`;
    process.env.PICOBASE_TEST_SECRET = secret;
    process.env.ENCRYPTION_KEY_TEST = secret;
    try {
      const supervisor = makeSupervisor();
      const paths = tenantPaths(tenantsDir, "envcheck");
      fs.mkdirSync(paths.hooksDir, { recursive: true });
      fs.writeFileSync(
        path.join(paths.hooksDir, "env.pb.js"),
        `routerAdd("GET", "/env-dump", (e) => e.json(200, {
          secret: $os.getenv("PICOBASE_TEST_SECRET"),
          home: $os.getenv("HOME"),
          all: toString($os.cmd("env").output()),
        }));\n`,
      );
      await supervisor.ensureSuperuser(path.basename(paths.root), paths, EMAIL, PASSWORD);
      const proc = await supervisor.launch("envcheck", paths, () => {});
      const res = await fetch(`${proc.url}/env-dump`);
      expect(res.status).toBe(200);
      const body = (await res.json()) as { secret: string; home: string; all: string };
      expect(body.home).toBe(paths.root); // the hook really ran and read its environment
      expect(body.secret).toBe("");
      expect(body.all).not.toContain(secret);
      const names = body.all
        .trim()
        .split("\n")
        .map((l) => l.slice(0, l.indexOf("=")));
      expect(names.sort()).toEqual(["GOMEMLIMIT", "HOME", "PATH", "TZ"]);
      await proc.stop();
    } finally {
      delete process.env.PICOBASE_TEST_SECRET;
      delete process.env.ENCRYPTION_KEY_TEST;
    }
  });

  it("sweeps PocketBase orphans from pid files, sparing unrelated and supervised processes", async () => {
    const supervisor = makeSupervisor({ stopTimeoutMs: 2_000 });
    const orphan = tenantPaths(tenantsDir, "orphan");
    const unrelated = tenantPaths(tenantsDir, "unrelated");
    const supervised = tenantPaths(tenantsDir, "supervised");
    fs.mkdirSync(unrelated.meta, { recursive: true });

    const leftover = await leaveOrphan(orphan);

    const sleeper = spawn("sleep", ["30"], { stdio: "ignore" });
    strayPids.push(sleeper.pid as number);
    fs.writeFileSync(unrelated.pidFile, `${sleeper.pid}\n`);

    const live = await supervisor.launch("supervised", supervised, () => {});

    expect(await supervisor.sweepOrphans(tenantsDir)).toEqual(["orphan"]);
    expect(await isAlive(leftover.pid as number)).toBe(false);
    expect(fs.existsSync(orphan.pidFile)).toBe(false);
    expect(await isAlive(sleeper.pid as number)).toBe(true);
    expect(fs.existsSync(supervised.pidFile)).toBe(true);
    expect((await fetch(`${live.url}/api/health`)).status).toBe(200);
    expect(await supervisor.sweepOrphans(path.join(tenantsDir, "missing"))).toEqual([]);
    await live.stop();

    // A launch over a survivor stops it first instead of running two servers on one data dir.
    const survivorPaths = tenantPaths(tenantsDir, "survivor");
    const survivor = await leaveOrphan(survivorPaths);
    const relaunched = await supervisor.launch("survivor", survivorPaths, () => {});
    expect(await isAlive(survivor.pid as number)).toBe(false);
    expect(fs.readFileSync(survivorPaths.pidFile, "utf8").trim()).toBe(String(relaunched.pid));
    await relaunched.stop();
  });

  it("rejects clearly when the binary is missing, the process exits early, or never gets healthy", async () => {
    const bogus = makeSupervisor({ pocketbaseBinary: "/nonexistent/pocketbase" });
    await expect(bogus.launch("bogus", tenantPaths(tenantsDir, "bogus"), () => {})).rejects.toThrow(
      /PocketBase binary not found or not executable: \/nonexistent\/pocketbase/,
    );

    const broken = tenantPaths(tenantsDir, "broken-hooks");
    fs.mkdirSync(broken.hooksDir, { recursive: true });
    fs.writeFileSync(path.join(broken.hooksDir, "broken.pb.js"), 'throw new Error("cannot load this hook");\n');
    const real = makeSupervisor();
    await real.ensureSuperuser(path.basename(broken.root), broken, EMAIL, PASSWORD); // tenant hooks do not block provisioning
    await expect(real.launch("broken-hooks", broken, () => {})).rejects.toThrow(/exited before becoming healthy \(exit code 2\)[\s\S]*cannot load this hook/);
    expect(fs.existsSync(broken.pidFile)).toBe(false);

    // A "PocketBase" that starts but never answers /api/health.
    const fakeBinary = path.join(tenantsDir, "never-healthy.sh");
    fs.writeFileSync(fakeBinary, '#!/bin/sh\necho "fake pocketbase booting"\necho $$ > "$HOME/fake.pid"\nexec sleep 60\n', {
      mode: 0o755,
    });
    const slow = makeSupervisor({ pocketbaseBinary: fakeBinary, startTimeoutMs: 1_500, stopTimeoutMs: 1_000 });
    const stuck = tenantPaths(tenantsDir, "stuck");
    await expect(slow.launch("stuck", stuck, () => {})).rejects.toThrow(/did not become healthy within 1500 ms[\s\S]*fake pocketbase booting/);
    const stuckPid = Number(fs.readFileSync(path.join(stuck.root, "fake.pid"), "utf8"));
    strayPids.push(stuckPid);
    expect(await isAlive(stuckPid)).toBe(false);
    expect(fs.existsSync(stuck.pidFile)).toBe(false);
  });

  it("takes its tenants down when the orchestrator process is killed with SIGKILL", async () => {
    const script = path.join(tenantsDir, "fake-orchestrator.mts");
    const paths = tenantPaths(tenantsDir, "pdeath");
    fs.writeFileSync(
      script,
      `import { createLogger } from ${JSON.stringify(path.join(repoRoot, "orchestrator/logger.ts"))};
import { createSupervisor } from ${JSON.stringify(path.join(repoRoot, "orchestrator/supervisor/create-supervisor.ts"))};
import { tenantPaths } from ${JSON.stringify(path.join(repoRoot, "orchestrator/tenant/paths.ts"))};
const supervisor = createSupervisor({
  config: { pocketbaseBinary: ${JSON.stringify(tools.pocketbase)}, ports: { base: ${basePort}, range: 200 },
    tenantMemoryLimit: "48MiB", startTimeoutMs: 20000, stopTimeoutMs: 5000 },
  log: createLogger("silent"),
});
const paths = tenantPaths(${JSON.stringify(tenantsDir)}, "pdeath");
await supervisor.ensureSuperuser("pdeath", paths, "${EMAIL}", "${PASSWORD}");
const proc = await supervisor.launch("pdeath", paths, () => {});
console.log(JSON.stringify({ pid: proc.pid }));
setInterval(() => {}, 1000);
`,
    );
    const orchestrator = spawn(process.execPath, ["--import", "tsx", script], { cwd: repoRoot, stdio: ["ignore", "pipe", "inherit"] });
    strayPids.push(orchestrator.pid as number);
    let out = "";
    let exited = false;
    orchestrator.stdout.on("data", (chunk: Buffer) => (out += chunk.toString()));
    orchestrator.on("exit", () => (exited = true));
    const { pid } = await waitFor(
      "tenant pid from the fake orchestrator",
      () => {
        if (exited) throw new Error("fake orchestrator exited early");
        return out.includes("\n") ? (JSON.parse(out) as { pid: number }) : undefined;
      },
      { timeoutMs: 30_000 },
    );
    strayPids.push(pid);
    expect(await isAlive(pid)).toBe(true);
    expect(fs.readFileSync(paths.pidFile, "utf8").trim()).toBe(String(pid));
    // Let startup output finish first: a later write to the dead orchestrator's pipe (SIGPIPE)
    // would also end the tenant and hide a missing parent-death signal.
    await waitFor("startup banner", () => (fs.readFileSync(paths.logFile, "utf8").includes("Dashboard:") ? true : undefined));

    orchestrator.kill("SIGKILL");
    await waitFor("tenant to die with its orchestrator", async () => ((await isAlive(pid)) ? undefined : true));
  });
});
