/**
 * A hostile tenant against snapshots (security audit, issue 6, holes 2 and 9). Sync runs as root
 * and the tenant controls everything in its folders at any moment: here a separate process, under
 * the tenant's uid when we are root, keeps swapping its files and folders for symlinks to root-only
 * files (and FIFOs) while snapshots run. Nothing of the platform's may end up in storage or in a
 * restore, and no snapshot may hang. Real files, real sqlite3, the local storage driver.
 */
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Readable } from "node:stream";
import { gunzipSync, gzipSync, zstdCompressSync, zstdDecompressSync } from "node:zlib";
import { createClient } from "@libsql/client";
import pino from "pino";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createLocalStorage } from "../orchestrator/storage/local-storage";
import { createSync, type FileOwner, type Sync } from "../orchestrator/sync/create-sync";
import { type TenantPaths, tenantPaths } from "../orchestrator/tenant/paths";

const isRoot = process.getuid?.() === 0;
const tenantUid = 299_000 + Math.floor(Math.random() * 1000);
/** The tenant's identity as the orchestrator passes it when tenants run under their own uid. */
const owner: FileOwner | undefined = isRoot ? { uid: tenantUid, gid: tenantUid } : undefined;
/** Snapshot attempts per race, and the least time they take: enough for the unfixed code to lose it. */
const ATTEMPTS = 20;
const RACE_MS = 4_000;
const SIZE = 64;

const log = pino({ level: "silent" });
const pad = (s: string) => s.padEnd(SIZE, ".").slice(0, SIZE);

let workDir: string;
let platformDir: string;
let objectsDir: string;
let sync: Sync;
let marker: string;
let counter = 0;
const swappers: ChildProcess[] = [];

beforeAll(() => {
  workDir = fs.mkdtempSync(path.join(os.tmpdir(), "picobase-hostile-"));
  fs.chmodSync(workDir, 0o711); // like DATA_DIR: tenants can traverse it to their own folder
  platformDir = path.join(workDir, "platform");
  fs.mkdirSync(platformDir, { mode: 0o700 });
  objectsDir = path.join(workDir, "objects");
  fs.mkdirSync(objectsDir, { mode: 0o700 });
  sync = createSync({ storage: createLocalStorage(objectsDir), log });
  marker = `PLATFORM-SECRET-${randomBytes(8).toString("hex")}`;
});

afterEach(() => {
  for (const swapper of swappers.splice(0)) swapper.kill("SIGKILL");
});

afterAll(() => {
  if (workDir) fs.rmSync(workDir, { recursive: true, force: true });
});

/** A root-only (0600) file of the platform holding the secret marker, `SIZE` bytes like the tenant's files. */
function platformSecret(name: string): string {
  const file = path.join(platformDir, name);
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  fs.writeFileSync(file, pad(`${marker} ${name}`), { mode: 0o600 });
  return file;
}

/** A tenant laid out as the orchestrator does: root and meta ours, its folders its own (0700). */
function createTenant(): TenantPaths {
  const paths = tenantPaths(path.join(workDir, "tenants"), `hostile${++counter}`);
  fs.mkdirSync(paths.meta, { recursive: true });
  fs.chmodSync(path.dirname(paths.root), 0o711);
  fs.chmodSync(paths.root, 0o711);
  fs.chmodSync(paths.meta, 0o700);
  for (const dir of [path.join(paths.dataDir, "storage"), path.join(paths.dataDir, ".stash"), paths.hooksDir, paths.migrationsDir]) {
    fs.mkdirSync(dir, { recursive: true });
  }
  return paths;
}

/** Gives the tenant everything in its folders, as the orchestrator does before it starts it. */
function giveToTenant(paths: TenantPaths): void {
  if (!owner) return;
  for (const top of [paths.dataDir, paths.hooksDir, paths.migrationsDir]) {
    execFileSync("chown", ["-R", `${owner.uid}:${owner.gid}`, top]);
    fs.chmodSync(top, 0o700);
  }
}

/** What the tenant process repeats; `touch` gives a file a new mtime, so no hash cache spares a read. */
type Step = ["symlink" | "link" | "rename", string, string] | ["unlink" | "touch", string];

/**
 * Starts a tenant process (under the tenant's uid when we are root) repeating `steps` as fast as
 * it can; resolves once it has gone through them once, so every snapshot after that races it.
 */
async function startSwapper(steps: Step[]): Promise<void> {
  const script = `
    const fs = require("node:fs");
    const steps = JSON.parse(process.argv[1]);
    const until = Date.now() + 120000;
    for (let round = 0; Date.now() < until; round++) {
      for (const [op, a, b] of steps) {
        try {
          if (op === "unlink") fs.unlinkSync(a);
          else if (op === "touch") fs.utimesSync(a, new Date(), new Date());
          else fs[op + "Sync"](a, b);
        } catch (err) { void err; }
      }
      if (round === 0) process.stdout.write("ready\\n");
    }`;
  const child = spawn(process.execPath, ["-e", script, JSON.stringify(steps)], {
    uid: owner?.uid,
    gid: owner?.gid,
    cwd: "/",
    stdio: ["ignore", "pipe", "inherit"],
  });
  swappers.push(child);
  const [chunk] = (await once(child.stdout as Readable, "data")) as [Buffer];
  expect(chunk.toString()).toBe("ready\n");
}

/** A zstd frame's first four bytes (28 b5 2f fd), read little-endian. */
const ZSTD_MAGIC = 0xfd2fb528;

/** Every stored object (decompressed when gzip or zstd) that contains the platform's secret marker. */
function leakedObjects(): string[] {
  const leaked: string[] = [];
  for (const rel of fs.readdirSync(objectsDir, { recursive: true, encoding: "utf8" })) {
    const file = path.join(objectsDir, rel);
    if (!fs.lstatSync(file).isFile()) continue;
    let bytes = fs.readFileSync(file);
    if (bytes[0] === 0x1f && bytes[1] === 0x8b) bytes = gunzipSync(bytes);
    else if (bytes.length >= 4 && bytes.readUInt32LE(0) === ZSTD_MAGIC) bytes = zstdDecompressSync(bytes);
    if (bytes.includes(marker)) leaked.push(rel);
  }
  return leaked;
}

/** Every restored file that contains the marker. */
function leakedFiles(paths: TenantPaths): string[] {
  return fs
    .readdirSync(paths.root, { recursive: true, encoding: "utf8" })
    .filter((rel) => fs.lstatSync(path.join(paths.root, rel)).isFile() && fs.readFileSync(path.join(paths.root, rel)).includes(marker));
}

/**
 * Snapshots as generations 1, 2, … for at least `ATTEMPTS` attempts and `RACE_MS`, each bounded
 * in time; returns the failures' messages and the last generation.
 */
async function snapshotRepeatedly(instanceId: string, paths: TenantPaths, timeoutMs = 20_000): Promise<{ failures: string[]; last: number }> {
  const failures: string[] = [];
  const started = Date.now();
  let generation = 0;
  while (++generation <= ATTEMPTS || Date.now() - started < RACE_MS) {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`snapshot ${generation} hung for ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      await Promise.race([sync.upload(instanceId, paths, generation, owner), timeout]);
    } catch (err) {
      if (String(err).includes("hung")) throw err;
      failures.push(err instanceof Error ? err.message : String(err));
    } finally {
      clearTimeout(timer);
    }
  }
  return { failures, last: generation - 1 };
}

const idOf = (paths: TenantPaths) => path.basename(paths.root);

describe("the leak check", () => {
  it("finds the marker in stored objects as they are, gzip or zstd", () => {
    const probe = path.join(objectsDir, "probe");
    fs.mkdirSync(probe, { recursive: true });
    const text = Buffer.from(`${"x".repeat(1000)}${marker}${"y".repeat(1000)}`);
    try {
      fs.writeFileSync(path.join(probe, "plain"), text);
      fs.writeFileSync(path.join(probe, "copy.gz"), gzipSync(text));
      fs.writeFileSync(path.join(probe, "copy.zst"), zstdCompressSync(text));
      fs.writeFileSync(path.join(probe, "tiny"), "ab");
      expect(leakedObjects().sort()).toEqual(["probe/copy.gz", "probe/copy.zst", "probe/plain"]);
    } finally {
      fs.rmSync(probe, { recursive: true, force: true });
    }
  });
});

describe(`snapshots of a hostile tenant (${owner ? `tenant uid ${owner.uid}` : "no root: tenant runs as us"})`, () => {
  it("a file swapped for a symlink to a root-only file of the same size is never uploaded nor restored", async () => {
    const paths = createTenant();
    const secret = platformSecret("secrets.json");
    const dir = path.join(paths.dataDir, "storage", "x");
    fs.mkdirSync(dir);
    const steps: Step[] = [];
    for (let i = 0; i < 20; i++) {
      const [file, real, tmp] = [path.join(dir, `f${i}`), path.join(paths.dataDir, ".stash", `f${i}`), path.join(paths.dataDir, ".stash", `tmp${i}`)];
      fs.writeFileSync(real, pad(`tenant file ${i}`));
      fs.linkSync(real, file);
      steps.push(["touch", real], ["symlink", secret, tmp], ["rename", tmp, file], ["link", real, tmp], ["rename", tmp, file]);
    }
    giveToTenant(paths);
    await startSwapper(steps);

    const { failures, last } = await snapshotRepeatedly(idOf(paths), paths);
    expect(leakedObjects()).toEqual([]);
    expect(failures).toEqual([]);
    const restored = tenantPaths(path.join(workDir, "restored"), idOf(paths));
    await sync.restore(idOf(paths), restored, last, owner);
    expect(leakedFiles(restored)).toEqual([]);
    if (owner) expect(fs.statSync(path.join(restored.dataDir, "storage")).uid).toBe(owner.uid); // given to the tenant in staging
  });

  it("a folder swapped for a symlink to a root-owned folder is never entered", async () => {
    const paths = createTenant();
    const dir = path.join(paths.dataDir, "storage", "y");
    const stashed = path.join(paths.dataDir, ".stash", "y");
    fs.mkdirSync(dir);
    for (let i = 0; i < 10; i++) {
      fs.writeFileSync(path.join(dir, `g${i}`), pad(`tenant file ${i}`));
      platformSecret(path.join("keys", `g${i}`));
    }
    giveToTenant(paths);
    await startSwapper([
      ["rename", dir, stashed],
      ["symlink", path.join(platformDir, "keys"), dir],
      ["unlink", dir],
      ["rename", stashed, dir],
    ]);

    const { failures, last } = await snapshotRepeatedly(idOf(paths), paths);
    expect(leakedObjects()).toEqual([]);
    expect(failures).toEqual([]);
    const restored = tenantPaths(path.join(workDir, "restored"), idOf(paths));
    await sync.restore(idOf(paths), restored, last, owner);
    expect(leakedFiles(restored)).toEqual([]);
  });

  it("a file swapped for a FIFO does not hang the snapshot", async () => {
    const paths = createTenant();
    const file = path.join(paths.dataDir, "storage", "z", "p");
    const [real, fifo, tmp] = ["real", "fifo", "tmp"].map((n) => path.join(paths.dataDir, ".stash", n)) as [string, string, string];
    fs.mkdirSync(path.dirname(file));
    fs.writeFileSync(real, pad("tenant file"));
    fs.linkSync(real, file);
    execFileSync("mkfifo", [fifo]);
    giveToTenant(paths);
    await startSwapper([
      ["link", fifo, tmp],
      ["rename", tmp, file],
      ["link", real, tmp],
      ["rename", tmp, file],
    ]);
    try {
      expect((await snapshotRepeatedly(idOf(paths), paths, 10_000)).failures).toEqual([]);
    } finally {
      releaseFifoReaders(fifo);
    }
  });

  it("a database swapped for a symlink to a root-owned SQLite database is never read (needs root: a real tenant uid)", async (ctx) => {
    if (!owner) return ctx.skip();
    const paths = createTenant();
    const controlDb = path.join(platformDir, "control.db");
    await fillDatabase(controlDb, "users", marker);
    fs.chmodSync(controlDb, 0o600);
    const dataDb = path.join(paths.dataDir, "data.db");
    await fillDatabase(dataDb, "posts", "tenant row");
    const [real, tmp] = [path.join(paths.dataDir, ".stash", "data.db"), path.join(paths.dataDir, ".stash", "tmp")];
    fs.linkSync(dataDb, real);
    giveToTenant(paths);
    await startSwapper([
      ["symlink", controlDb, tmp],
      ["rename", tmp, dataDb],
      ["link", real, tmp],
      ["rename", tmp, dataDb],
    ]);

    const { failures } = await snapshotRepeatedly(idOf(paths), paths);
    // A swap seen by sqlite3 (running as the tenant) is a failed snapshot, never a leak.
    for (const failure of failures) expect(failure).toMatch(/VACUUM INTO failed|not a regular file/);
    expect(leakedObjects()).toEqual([]);
  });
});

describe("snapshots of a database as the tenant", () => {
  it.skipIf(!isRoot)("copies a live WAL database consistently, with rows not yet checkpointed (needs root: a real tenant uid)", async () => {
    const paths = createTenant();
    const dataDb = path.join(paths.dataDir, "data.db");
    const db = createClient({ url: `file:${dataDb}` });
    try {
      await db.execute("PRAGMA journal_mode=WAL");
      await db.execute("PRAGMA wal_autocheckpoint=0");
      await db.execute("CREATE TABLE posts (id INTEGER PRIMARY KEY, title TEXT)");
      for (let i = 0; i < 50; i++) await db.execute({ sql: "INSERT INTO posts (title) VALUES (?)", args: [`post ${i}`] });
      expect(fs.statSync(`${dataDb}-wal`).size).toBeGreaterThan(0);
      giveToTenant(paths);
      await sync.upload(idOf(paths), paths, 1, owner);
    } finally {
      db.close();
    }
    const restored = tenantPaths(path.join(workDir, "restored-wal"), idOf(paths));
    await sync.restore(idOf(paths), restored, 1, owner);
    expect(fs.statSync(path.join(restored.dataDir, "data.db")).uid).toBe(owner?.uid);
    const copy = createClient({ url: `file:${path.join(restored.dataDir, "data.db")}` });
    try {
      expect(Number((await copy.execute("SELECT count(*) AS n FROM posts")).rows[0]?.n)).toBe(50);
    } finally {
      copy.close();
    }
    expect(fs.readdirSync(paths.root).filter((n) => n.startsWith(".snapshot-"))).toEqual([]); // staging removed
  });
});

describe("file-count limit", () => {
  it("fails a snapshot of a tenant over the limit, saying how many files it has, and stores nothing", async () => {
    const paths = createTenant();
    for (let i = 0; i < 30; i++) fs.writeFileSync(path.join(paths.hooksDir, `h${i}.pb.js`), `// ${i}\n`);
    giveToTenant(paths);
    const limited = createSync({ storage: createLocalStorage(objectsDir), log, options: { maxFiles: 20 } });
    await expect(limited.upload(idOf(paths), paths, 1, owner)).rejects.toThrow("instance has 30 files, over the limit of 20");
    expect(await limited.latestGeneration(idOf(paths))).toBe(0);
    await expect(
      createSync({ storage: createLocalStorage(objectsDir), log, options: { maxFiles: 30 } }).upload(idOf(paths), paths, 1, owner),
    ).resolves.toMatchObject({
      generation: 1,
    });
  });
});

/** Opens the FIFO for writing once, so a reader stuck waiting for a writer (the unfixed code) gets EOF. */
function releaseFifoReaders(fifo: string): void {
  try {
    fs.closeSync(fs.openSync(fifo, fs.constants.O_WRONLY | fs.constants.O_NONBLOCK));
  } catch (err) {
    // ENXIO: no reader is waiting, which is the expected case.
    if (!(err instanceof Error && "code" in err && err.code === "ENXIO")) throw err;
  }
}

async function fillDatabase(file: string, table: string, value: string): Promise<void> {
  const db = createClient({ url: `file:${file}` });
  try {
    await db.execute(`CREATE TABLE ${table} (id INTEGER PRIMARY KEY, value TEXT)`);
    for (let i = 0; i < 20; i++) await db.execute({ sql: `INSERT INTO ${table} (value) VALUES (?)`, args: [`${value} ${i}`] });
  } finally {
    db.close();
  }
}
