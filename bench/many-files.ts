/**
 * Many small files: a snapshot upload of a tenant holding N tiny uploaded files (PocketBase's
 * layout: pb_data/storage/<collection>/<record>/<file>) to the local storage driver, against a
 * baseline tenant of 1k files measured in the same run. Each upload runs in its own child
 * process, so its peak RSS (process.resourceUsage().maxRSS) is the upload's alone.
 *
 *   npx tsx bench/many-files.ts [--files 200000] [--baseline 1000]
 *
 * Prints wall time and peak RSS of a first (full) upload and of a second one after 1% of the
 * files changed (incremental), each as a ratio to the baseline. Nothing is asserted.
 */
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { createClient } from "@libsql/client";
import { execa } from "execa";
import pino from "pino";
import { createLocalStorage } from "../orchestrator/storage/local-storage";
import { createSync } from "../orchestrator/sync/create-sync";
import { tenantPaths } from "../orchestrator/tenant/paths";

const { values: args } = parseArgs({
  options: {
    files: { type: "string", default: "200000" },
    baseline: { type: "string", default: "1000" },
    child: { type: "string" },
    generation: { type: "string", default: "1" },
  },
});

const ID = "bench";
const COLLECTIONS = 10;

type Measured = { ms: number; maxRssMb: number; uploadedMb: number };

/** Child mode: one upload of the tenant under `workDir`, measured, printed as JSON. */
async function child(workDir: string, generation: number): Promise<void> {
  const sync = createSync({ storage: createLocalStorage(path.join(workDir, "objects")), log: pino({ level: "warn" }), options: { maxFiles: 10_000_000 } });
  const started = performance.now();
  const result = await sync.upload(ID, tenantPaths(path.join(workDir, "tenants"), ID), generation);
  const measured: Measured = {
    ms: Math.round(performance.now() - started),
    maxRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
    uploadedMb: Math.round(result.uploadedBytes / 1024 / 1024),
  };
  console.log(JSON.stringify(measured));
}

/** A tenant of `count` tiny files (about 60 bytes each, all distinct) and a small data.db. */
async function buildTenant(workDir: string, count: number): Promise<void> {
  const paths = tenantPaths(path.join(workDir, "tenants"), ID);
  fs.mkdirSync(paths.meta, { recursive: true });
  fs.mkdirSync(paths.hooksDir, { recursive: true });
  fs.mkdirSync(path.join(workDir, "objects"), { recursive: true });
  for (let i = 0; i < count; i++) {
    const dir = path.join(paths.dataDir, "storage", `col${i % COLLECTIONS}`, `rec${String(i).padStart(9, "0")}`);
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, "note.txt"), `file ${i} ${randomBytes(24).toString("hex")}\n`);
  }
  const db = createClient({ url: `file:${path.join(paths.dataDir, "data.db")}` });
  await db.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)");
  await db.execute("INSERT INTO t (v) VALUES ('x')");
  db.close();
}

/** Rewrites every 100th file, so the next upload has 1% new blobs. */
function touchOnePercent(workDir: string, count: number): void {
  const storage = path.join(tenantPaths(path.join(workDir, "tenants"), ID).dataDir, "storage");
  for (let i = 0; i < count; i += 100) {
    const file = path.join(storage, `col${i % COLLECTIONS}`, `rec${String(i).padStart(9, "0")}`, "note.txt");
    fs.writeFileSync(file, `changed ${i} ${randomBytes(24).toString("hex")}\n`);
  }
}

async function measure(workDir: string, generation: number): Promise<Measured> {
  const { stdout } = await execa(process.execPath, [...process.execArgv, import.meta.filename, "--child", workDir, "--generation", String(generation)]);
  return JSON.parse(stdout.trim().split("\n").at(-1) ?? "") as Measured;
}

async function run(count: number): Promise<{ full: Measured; incremental: Measured }> {
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), `picobase-many-${count}-`));
  try {
    const t0 = performance.now();
    await buildTenant(workDir, count);
    console.log(`  ${count} files created in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    const full = await measure(workDir, 1);
    touchOnePercent(workDir, count);
    const incremental = await measure(workDir, 2);
    return { full, incremental };
  } finally {
    fs.rmSync(workDir, { recursive: true, force: true });
  }
}

function row(label: string, m: Measured, base: Measured): string {
  const ratio = (a: number, b: number) => (a / b).toFixed(1);
  return `${label.padEnd(30)} ${(m.ms / 1000).toFixed(1).padStart(7)} s (${ratio(m.ms, base.ms)}×)  peak RSS ${String(m.maxRssMb).padStart(5)} MB (${ratio(m.maxRssMb, base.maxRssMb)}×)  uploaded ${m.uploadedMb} MB`;
}

async function main(): Promise<void> {
  if (args.child) return child(args.child, Number(args.generation));
  const files = Number(args.files);
  const baselineFiles = Number(args.baseline);
  console.log(
    `load: ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(" ")} (1/5/15 min), ${os.availableParallelism()} cores`,
  );
  const base = await run(baselineFiles);
  const many = await run(files);
  console.log(row(`${baselineFiles} files, full`, base.full, base.full));
  console.log(row(`${baselineFiles} files, 1% changed`, base.incremental, base.incremental));
  console.log(row(`${files} files, full`, many.full, base.full));
  console.log(row(`${files} files, 1% changed`, many.incremental, base.incremental));
  console.log(
    `load: ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(" ")}`,
  );
}

await main();
