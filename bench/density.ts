/**
 * Density: how much memory N idle tenants cost. Launches N real PocketBase processes through the
 * supervisor (platform superuser provisioned, as in production), waits until all are healthy,
 * lets them settle, then reads each pid's memory from /proc. Repeats after a light warm-up (a
 * superuser sign-in and two reads per tenant), because a tenant that served one request is the
 * common "idle" state. Runs once per GOMEMLIMIT value.
 *
 *   npx tsx bench/density.ts [count=100] [limits=48MiB,32MiB]
 *
 * VmRSS counts the binary's shared file pages in every process; RssAnon is each tenant's private
 * memory and total PSS is what all tenants cost the host together. Target: VmRSS ≤ 40 MB per tenant.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import getPort from "get-port";
import pLimit from "p-limit";
import { createLogger } from "../orchestrator/logger";
import { createSupervisor, type TenantProcess } from "../orchestrator/supervisor/create-supervisor";
import { tenantPaths } from "../orchestrator/tenant/paths";
import { tools } from "../tests/support/tools";
import { percentile } from "./stats";

const EMAIL = "platform@picobase.internal";
const PASSWORD = "bench-password-123";
const SETTLE_MS = 5_000;

type Memory = { rss: number; anon: number; file: number; pss: number };

const count = Number(process.argv[2] ?? 100);
const limits = (process.argv[3] ?? "48MiB,32MiB").split(",");
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const mb = (kb: number) => (kb / 1024).toFixed(1);

/** VmRSS/RssAnon/RssFile from /proc/<pid>/status and Pss from smaps_rollup, in kB. */
function memoryOf(pid: number | "self"): Memory {
  const status = fs.readFileSync(`/proc/${pid}/status`, "utf8");
  const rollup = fs.readFileSync(`/proc/${pid}/smaps_rollup`, "utf8");
  const field = (text: string, name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, "m").exec(text)?.[1] ?? NaN);
  return {
    rss: field(status, "VmRSS"),
    anon: field(status, "RssAnon"),
    file: field(status, "RssFile"),
    pss: field(rollup, "Pss"),
  };
}

function report(label: string, procs: TenantProcess[]): void {
  const mems = procs.map((p) => memoryOf(p.pid as number));
  const rss = mems.map((m) => m.rss);
  const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
  const self = memoryOf("self");
  console.log(
    `  ${label.padEnd(22)} VmRSS/tenant MB min=${mb(Math.min(...rss))} p50=${mb(percentile(rss, 50))} ` +
      `max=${mb(Math.max(...rss))} total=${mb(sum(rss))} | RssAnon p50=${mb(
        percentile(
          mems.map((m) => m.anon),
          50,
        ),
      )} ` +
      `RssFile p50=${mb(
        percentile(
          mems.map((m) => m.file),
          50,
        ),
      )} | PSS total=${mb(sum(mems.map((m) => m.pss)))} ` +
      `| orchestrator VmRSS=${mb(self.rss)}`,
  );
}

async function warmUp(proc: TenantProcess): Promise<void> {
  const auth = await fetch(`${proc.url}/api/collections/_superusers/auth-with-password`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ identity: EMAIL, password: PASSWORD }),
  });
  const { token } = (await auth.json()) as { token: string };
  for (const route of ["/api/collections?perPage=50", "/api/logs/stats"]) {
    const res = await fetch(`${proc.url}${route}`, { headers: { authorization: token } });
    if (res.status !== 200) throw new Error(`${route} answered ${res.status}`);
    await res.arrayBuffer();
  }
}

async function runVariant(limit: string): Promise<void> {
  const tenantsDir = fs.mkdtempSync(path.join(os.tmpdir(), "picobase-density-"));
  const base = await getPort({ port: 30_000 + Math.floor(Math.random() * 20_000) });
  const supervisor = createSupervisor({
    config: {
      pocketbaseBinary: tools.pocketbase,
      ports: { base, range: count + 200 },
      tenantMemoryLimit: limit,
      startTimeoutMs: 60_000,
      stopTimeoutMs: 10_000,
    },
    log: createLogger("warn"),
  });
  const gate = pLimit(4);
  try {
    const t0 = Date.now();
    const procs = await Promise.all(
      Array.from({ length: count }, (_, i) =>
        gate(async () => {
          const paths = tenantPaths(tenantsDir, `tenant-${i}`);
          await supervisor.ensureSuperuser(`tenant-${i}`, paths, EMAIL, PASSWORD);
          return supervisor.launch(`tenant-${i}`, paths, () => {});
        }),
      ),
    );
    console.log(`GOMEMLIMIT=${limit}: ${count} tenants healthy in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    await sleep(SETTLE_MS);
    report("idle", procs);
    await Promise.all(procs.map((p) => gate(() => warmUp(p))));
    await sleep(SETTLE_MS);
    report("after warm-up", procs);
    const t1 = Date.now();
    await supervisor.stopAll();
    console.log(`  stopped all in ${((Date.now() - t1) / 1000).toFixed(1)} s`);
  } finally {
    await supervisor.stopAll();
    fs.rmSync(tenantsDir, { recursive: true, force: true });
  }
}

console.log(`density: ${count} tenants, ${os.cpus().length} cores, PocketBase ${tools.pocketbase}`);
for (const limit of limits) await runVariant(limit);
