/**
 * Stop-time upload of a ~100 MB tenant database to a real S3 server (versitygw).
 * Target: snapshot + compress + upload in ≤ 3 s on a 2-core host.
 *
 *   npx tsx bench/stop-upload.ts [--size-mb 100] [--runs 5] [--level 1] [--part-mb 8] [--queue 4] [--verbose]
 *   --level (zstd) takes a comma list (e.g. --level 1,3,6) to compare settings in one run.
 *
 * Prints every run, the p50, and a baseline from the same host: `cp` of the file plus one raw
 * PUT of the uncompressed bytes. Nothing is asserted.
 */
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { PutObjectCommand } from "@aws-sdk/client-s3";
import { createClient } from "@libsql/client";
import { execa } from "execa";
import pino from "pino";
import { createS3Storage } from "../orchestrator/storage/s3-storage";
import { createSync } from "../orchestrator/sync/create-sync";
import { tenantPaths } from "../orchestrator/tenant/paths";
import { type S3Server, startS3Server } from "../tests/support/s3-server";
import { percentile } from "./stats";

const { values: args } = parseArgs({
  options: {
    "size-mb": { type: "string", default: "100" },
    runs: { type: "string", default: "5" },
    level: { type: "string", default: "1" },
    "part-mb": { type: "string", default: "8" },
    queue: { type: "string", default: "4" },
    verbose: { type: "boolean", default: false },
  },
});
const sizeMb = Number(args["size-mb"]);
const runs = Number(args.runs);

const WORDS = (
  "the quick brown fox jumps over lazy dog pocketbase record collection field user email title body " +
  "status draft published comment invoice order total amount currency customer address city country"
).split(" ");

/** Fills a PocketBase-like table with semi-compressible rows (text, JSON, ids, random tokens) to ~sizeMb. */
async function buildDatabase(file: string, targetBytes: number): Promise<number> {
  const db = createClient({ url: `file:${file}` });
  try {
    await db.execute("PRAGMA journal_mode=WAL");
    await db.execute("CREATE TABLE posts (id TEXT PRIMARY KEY, title TEXT, body TEXT, author TEXT, meta JSON, views INTEGER, created TEXT)");
    await db.execute("CREATE INDEX posts_created ON posts (created)");
    const pick = () => WORDS[Math.floor(Math.random() * WORDS.length)];
    for (let n = 0, size = 0; size < targetBytes; n++) {
      const rows = Array.from({ length: 500 }, (_, i) => {
        const id = randomBytes(8).toString("hex").slice(0, 15);
        const body = `${Array.from({ length: 100 }, pick).join(" ")} ${randomBytes(40).toString("base64")}`;
        const meta = JSON.stringify({ tags: [pick(), pick()], score: Math.random(), ref: randomBytes(6).toString("hex") });
        const created = new Date(1.7e12 + (n * 500 + i) * 997).toISOString();
        return { sql: "INSERT INTO posts VALUES (?,?,?,?,?,?,?)", args: [id, `${pick()} ${pick()} ${n}`, body, `user${i}@example.com`, meta, i * n, created] };
      });
      await db.batch(rows, "write");
      if (n % 20 === 0) size = Number((await db.execute("PRAGMA page_count")).rows[0]?.[0]) * 4096;
    }
    await db.execute("PRAGMA wal_checkpoint(TRUNCATE)");
  } finally {
    db.close();
  }
  return fs.statSync(file).size;
}

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;
const sec = (msValue: number) => `${(msValue / 1000).toFixed(2)} s`;

const list = (csv: string | undefined) => (csv ?? "").split(",").map(Number);

/** p50 of `cp` of the database plus a single raw PUT of its uncompressed bytes. */
async function baseline(s3: S3Server, dbFile: string, dbSize: number, copy: string): Promise<number> {
  const samples: number[] = [];
  for (let i = 0; i < 3; i++) {
    const t = performance.now();
    await execa("cp", [dbFile, copy]);
    const Body = fs.createReadStream(dbFile);
    await s3.client().send(new PutObjectCommand({ Bucket: s3.bucket, Key: "baseline/data.db", Body, ContentLength: dbSize }));
    samples.push(performance.now() - t);
    fs.rmSync(copy);
  }
  console.log(`baseline runs: ${samples.map(sec).join(", ")}`);
  return percentile(samples, 50);
}

async function main(): Promise<void> {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "picobase-bench-upload-"));
  const s3 = await startS3Server("bench-upload");
  try {
    const paths = tenantPaths(work, "bench");
    fs.mkdirSync(paths.dataDir, { recursive: true });
    const dbFile = path.join(paths.dataDir, "data.db");
    const started = performance.now();
    const dbSize = await buildDatabase(dbFile, sizeMb * 1024 * 1024);
    console.log(`built ${mb(dbSize)} data.db in ${sec(performance.now() - started)}`);

    const tuning = { partSizeBytes: Number(args["part-mb"]) * 1024 * 1024, queueSize: Number(args.queue) };
    const storage = createS3Storage(s3.storage, tuning);
    const log = pino({ level: args.verbose ? "debug" : "warn" });
    console.log(`S3 part ${args["part-mb"]} MB, queue ${args.queue}, ${os.availableParallelism()} cores, load ${os.loadavg()[0]?.toFixed(1)}`);

    const base = await baseline(s3, dbFile, dbSize, path.join(work, "copy.db"));
    const results: string[] = [];
    let generation = 0;
    for (const level of list(args.level)) {
      const sync = createSync({ storage, log, options: { zstdLevel: level } });
      console.log(`zstd level ${level}:`);
      const samples: number[] = [];
      let uploaded = 0;
      for (let run = 1; run <= runs; run++) {
        const t = performance.now();
        const result = await sync.upload("bench", paths, ++generation);
        samples.push(performance.now() - t);
        uploaded = result.uploadedBytes;
        console.log(`  run ${run}: ${sec(samples.at(-1) ?? 0)}  (${mb(result.sizeBytes)} → ${mb(uploaded)} uploaded)`);
      }
      const p50 = percentile(samples, 50);
      const verdict = p50 <= 3000 ? "target ≤ 3 s met" : "target ≤ 3 s MISSED";
      results.push(`zstd level ${level}: p50 ${sec(p50)}  ${mb(uploaded)}  ${(p50 / base).toFixed(2)}x baseline  ${verdict}`);
    }
    const restoreSync = createSync({ storage, log });
    const restoreStarted = performance.now();
    await restoreSync.restore("bench", tenantPaths(path.join(work, "restored"), "bench"), generation);
    const restoreMs = performance.now() - restoreStarted;

    console.log("");
    console.log(`restore of the last generation (download + zstd + sha256 + swap): ${sec(restoreMs)}`);
    console.log(`baseline: cp + one raw PUT of ${mb(dbSize)}: p50 ${sec(base)}`);
    console.log(`sync.upload (VACUUM INTO + sha256 + zstd + multipart upload), p50 of ${runs} runs:`);
    for (const line of results) console.log(`  ${line}`);
  } finally {
    await s3.dispose();
    fs.rmSync(work, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
