import { randomBytes, randomInt } from "node:crypto";
import { execFileSync, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { execa, type ResultPromise } from "execa";
import getPort from "get-port";
import type { Db } from "../../lib/db/client";
import { openDb } from "../../lib/db/open";
import { eq } from "drizzle-orm";
import { decryptSecret } from "../../lib/crypto/secret-box";
import { instances, users } from "../../lib/db/schema";
import { loadOrCreateSecrets } from "../../lib/secrets";
import { ORCHESTRATOR_NODE_ARGS } from "../../orchestrator/node-args";
import { sandboxScope } from "../../orchestrator/config";
import { routesInside, type HostRoute } from "../../orchestrator/sandbox/addresses";
import { removeCgroupLeftovers } from "../../orchestrator/sandbox/cgroups";
import { removeLeftovers } from "../../orchestrator/sandbox/network";
import { findTools } from "../../orchestrator/sandbox/tools";
import type { InstanceJson } from "../../lib/instance-json";
import type { RuntimeMetrics } from "../../orchestrator/tools/runtime-metrics";
import { repoRoot, tools } from "./tools";
import { waitFor } from "./wait";

/** The shapes the internal API answers with. */
export type ApiBody = {
  instance?: InstanceJson;
  error?: { code: string; message: string; details?: unknown };
  lines?: string[];
};

export type OrchestratorOptions = {
  /** Extra environment (storage, DB URL, timings). */
  env?: Record<string, string>;
  /** Reuse a data directory (e.g. to restart on the same state). */
  dataDir?: string;
  /** How long a stop may take before SIGKILL (execa's 5 s by default; a benchmark's 1,000 tenants need minutes). */
  stopGraceMs?: number;
};

/** A real orchestrator process (`tsx orchestrator/main.ts`) on free ports and a temp data dir. */
export type OrchestratorHandle = Awaited<ReturnType<typeof startOrchestrator>>;

/** Environment that lets tests deploy: as root (CI) tenants run sandboxed; elsewhere deploys need the operator's explicit opt-out. */
export const deployableEnv = (): Record<string, string> => (process.getuid?.() === 0 ? {} : { ALLOW_UNSANDBOXED_DEPLOYS: "1" });

/** Starts the orchestrator and waits until its internal API answers. */
export async function startOrchestrator(options: OrchestratorOptions = {}) {
  const dataDir = options.dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), "picobase-orch-"));
  const [gatewayPort, apiPort] = [await getPort(), await getPort()];
  // Nodes of one cluster share their token (and encryption key): a test passes the same ones to each.
  const token = options.env?.ORCHESTRATOR_TOKEN ?? randomBytes(24).toString("hex");
  const env: Record<string, string> = {
    DATA_DIR: dataDir,
    GATEWAY_PORT: String(gatewayPort),
    GATEWAY_HOST: "127.0.0.1",
    // Custom-domain checks ask a closed loopback port unless a test runs its own DNS server: never the machine's resolvers.
    DNS_RESOLVER: "127.0.0.1:9",
    ORCHESTRATOR_PORT: String(apiPort),
    ORCHESTRATOR_TOKEN: token,
    POCKETBASE_BINARY_PATH: tools.pocketbase,
    INSTANCES_BASE_PORT: String(20000 + Math.floor(Math.random() * 20000)),
    TENANT_SUBNET: freeTenantSubnet(),
    LOG_LEVEL: "info",
    ...options.env,
  };
  const logFile = path.join(dataDir, "orchestrator.log");
  let child: ResultPromise | undefined;
  const apiUrl = `http://127.0.0.1:${apiPort}`;

  const spawn = async () => {
    child = execa("node", [...ORCHESTRATOR_NODE_ARGS], {
      cwd: repoRoot,
      env,
      extendEnv: true,
      stdin: "ignore",
      stdout: { file: logFile, append: true },
      stderr: { file: logFile, append: true },
      reject: false,
      // A graceful stop of many tenants takes longer than execa's default 5 s before SIGKILL, which
      // left volumes mounted and cgroups behind after a benchmark of 1,000 (each step has its own timeout).
      forceKillAfterDelay: options.stopGraceMs ?? 5_000,
    });
    const exited = child.then(() => {
      throw new Error(`orchestrator exited during startup; log:\n${fs.readFileSync(logFile, "utf8").slice(-3000)}`);
    });
    exited.catch(() => undefined); // only awaited through the race below
    await Promise.race([waitFor("orchestrator API", async () => ((await fetch(`${apiUrl}/healthz`)).ok ? true : undefined), { timeoutMs: 60_000 }), exited]);
  };

  const api = async (method: string, route: string, body?: unknown) => {
    const res = await fetch(`${apiUrl}${route}`, {
      method,
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, headers: res.headers, body: (text ? JSON.parse(text) : {}) as ApiBody };
  };

  await spawn();
  const dbUrl = env.TURSO_DATABASE_URL ?? `file:${path.join(dataDir, "control.db")}`;
  const db: Db = await openDb({ url: dbUrl, authToken: env.TURSO_AUTH_TOKEN });

  return {
    dataDir,
    env,
    gatewayPort,
    apiUrl,
    token,
    db,
    logFile,
    api,
    get pid() {
      return child?.pid;
    },
    /** The tenant's own folder: orchestrator metadata (meta/) and its volume. */
    tenantRoot: (instanceId: string) => path.join(dataDir, "tenants", instanceId),
    /** Where the tenant's PocketBase folders (pb_data, pb_hooks, …) live: its volume. */
    tenantDir: (instanceId: string) => path.join(dataDir, "tenants", instanceId, "vol"),
    /** Deletes everything the tenant has on this host, as a lost disk would (its volume unmounted first). */
    wipeTenant(instanceId: string) {
      const root = path.join(dataDir, "tenants", instanceId);
      spawnSync("umount", ["--detach-loop", path.join(root, "vol")], { stdio: "ignore" }); // not mounted without the sandbox: fine
      fs.rmSync(root, { recursive: true, force: true });
    },
    /** The orchestrator's event-loop delay (since the last reset) and memory; `reset` starts a new window. */
    async runtime(reset = false): Promise<RuntimeMetrics> {
      const res = await fetch(`${apiUrl}/v1/runtime${reset ? "?reset=1" : ""}`, { headers: { authorization: `Bearer ${token}` } });
      if (!res.ok) throw new Error(`GET /v1/runtime answered ${res.status}`);
      return (await res.json()) as RuntimeMetrics;
    },
    /** Creates a user row directly (the dashboard owns sign-up). */
    async createUser(email = `${randomBytes(4).toString("hex")}@example.com`) {
      const id = randomBytes(8).toString("hex");
      await db.insert(users).values({ id, name: "Test User", email, passwordHash: "unused" });
      return id;
    },
    /** The platform superuser of an instance, decrypted with the generated platform key. */
    async superuser(instanceId: string) {
      const [row] = await db.select().from(instances).where(eq(instances.id, instanceId));
      if (!row) throw new Error(`no instance ${instanceId}`);
      const key = env.ENCRYPTION_KEY ?? loadOrCreateSecrets(dataDir).encryptionKey;
      return { email: row.superuserEmail, password: decryptSecret(row.superuserPasswordEnc, key) };
    },
    /** Creates an instance owned by a fresh user and returns its id. */
    async createInstance(subdomain: string, name = "Test App") {
      const ownerId = await this.createUser();
      const res = await api("POST", "/v1/instances", { ownerId, name, subdomain });
      if (res.status !== 201 || !res.body.instance) throw new Error(`create failed: ${res.status} ${JSON.stringify(res.body)}`);
      return res.body.instance.id;
    },
    /** Sends a signal and waits for the process to exit. */
    async kill(signal: NodeJS.Signals = "SIGTERM") {
      child?.kill(signal);
      await child;
    },
    restart: spawn,
    async dispose() {
      if (child && child.exitCode === null) {
        child.kill("SIGTERM");
        await child;
      }
      db.close();
      unmountUnder(dataDir); // volumes of tenants a killed orchestrator left mounted
      await removeSandboxLeftovers(dataDir);
    },
  };
}

/**
 * Creates an instance, starts it and returns the official SDK signed in as its platform
 * superuser through the gateway: the usual first step of a scenario.
 */
export async function runningInstance(orch: OrchestratorHandle, client: { pocketBase(sub: string): import("pocketbase").default }, sub: string) {
  const id = await orch.createInstance(sub);
  const started = await orch.api("POST", `/v1/instances/${id}/start?wait=1`);
  if (started.body.instance?.status !== "running") throw new Error(`start failed: ${JSON.stringify(started.body)}`);
  const su = await orch.superuser(id);
  const pb = client.pocketBase(sub);
  await pb.collection("_superusers").authWithPassword(su.email, su.password);
  return { id, su, pb };
}

const isRoot = process.getuid?.() === 0;
const handedOut = new Set<string>();

/**
 * Sandboxed tenants (as root) get addresses from this: a random /20 that this process has not
 * handed out and that no route on the host uses (the orchestrator refuses a taken one).
 */
function freeTenantSubnet(): string {
  const routes = isRoot ? (JSON.parse(execFileSync("ip", ["-j", "-4", "route", "show"], { encoding: "utf8" }) || "[]") as HostRoute[]) : [];
  for (let i = 0; i < 200; i++) {
    const cidr = `10.${202 + randomInt(50)}.${randomInt(16) * 16}.0/20`;
    if (!handedOut.has(cidr) && routesInside(cidr, routes).length === 0) {
      handedOut.add(cidr);
      return cidr;
    }
  }
  throw new Error("no free /20 for tenant networks in 10.202.0.0–10.251.255.255");
}

/** Namespaces, the firewall table and the cgroups of an orchestrator that was killed rather than stopped: they would outlive the test. */
async function removeSandboxLeftovers(dataDir: string): Promise<void> {
  if (!isRoot) return;
  const sandboxTools = await findTools();
  if (typeof sandboxTools !== "string") await removeLeftovers(sandboxScope(dataDir), sandboxTools);
  await removeCgroupLeftovers(sandboxScope(dataDir));
}

/** Unmounts every mount below `dir` (sandboxed tenants' volumes), deepest first. */
function unmountUnder(dir: string): void {
  const mounts = fs
    .readFileSync("/proc/self/mountinfo", "utf8")
    .split("\n")
    .map((line) => line.split(" ")[4])
    .filter((mountPoint): mountPoint is string => mountPoint !== undefined && mountPoint.startsWith(`${dir}/`));
  for (const mountPoint of mounts.sort().reverse()) spawnSync("umount", ["--detach-loop", mountPoint], { stdio: "ignore" });
}
