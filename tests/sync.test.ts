import { createHash, randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { execa, type ResultPromise } from "execa";
import getPort from "get-port";
import PocketBase from "pocketbase";
import pino from "pino";
import { gzipSync, zstdDecompressSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLocalStorage } from "../orchestrator/storage/local-storage";
import type { ObjectStorage } from "../orchestrator/storage/object-storage";
import { createS3Storage } from "../orchestrator/storage/s3-storage";
import { createSync, type Sync } from "../orchestrator/sync/create-sync";
import { blobKey, manifestKey } from "../orchestrator/sync/keys";
import { type Manifest, type ManifestFile, serializeManifest } from "../orchestrator/sync/manifest";
import { manifestFiles, readManifest } from "../orchestrator/sync/manifest-store";
import { type TenantPaths, tenantPaths } from "../orchestrator/tenant/paths";
import { startS3Server } from "./support/s3-server";
import { tools } from "./support/tools";
import { waitFor } from "./support/wait";

const ID = "inst_sync1";
const EMAIL = "root@example.com";
const PASSWORD = "correct-horse-battery-staple";
const HOOK = `routerAdd("GET", "/hello", (e) => e.string(200, "hi"))\n`;
const MIGRATION = `migrate((app) => {}, (app) => {})\n`;

/** A real object store plus a way to make it fail and recover. */
type Backend = { storage: ObjectStorage; breakStorage: () => Promise<() => Promise<void>>; dispose: () => Promise<void> };

const backends: Array<[string, () => Promise<Backend>]> = [
  [
    "S3 (versitygw)",
    async () => {
      const s3 = await startS3Server();
      const storage = createS3Storage(s3.storage);
      const breakStorage = async () => (await s3.stop(), () => s3.restart());
      return { storage, breakStorage, dispose: s3.dispose };
    },
  ],
  [
    "local directory",
    async () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "picobase-sync-objects-"));
      const root = path.join(dir, "objects");
      // Breaking: the store's root becomes a plain file, so every write and read fails.
      const breakStorage = async () => {
        fs.renameSync(root, `${root}.away`);
        fs.writeFileSync(root, "not a directory");
        return async () => (fs.rmSync(root), fs.renameSync(`${root}.away`, root));
      };
      fs.mkdirSync(root);
      return { storage: createLocalStorage(root), breakStorage, dispose: async () => fs.rmSync(dir, { recursive: true, force: true }) };
    },
  ],
];

type RunningPocketBase = { url: string; pb: PocketBase; stop: () => Promise<void> };

/** Starts the real PocketBase binary on a tenant folder and signs in as its superuser. */
async function startPocketBase(paths: TenantPaths): Promise<RunningPocketBase> {
  const dirs = [`--dir=${paths.dataDir}`, `--hooksDir=${paths.hooksDir}`, `--migrationsDir=${paths.migrationsDir}`];
  const port = await getPort();
  const url = `http://127.0.0.1:${port}`;
  const child: ResultPromise = execa(tools.pocketbase, ["serve", `--http=127.0.0.1:${port}`, ...dirs], { reject: false, stdio: "ignore" });
  const stop = async () => {
    child.kill("SIGTERM");
    await child;
  };
  try {
    await waitFor("PocketBase health", async () => ((await fetch(`${url}/api/health`)).status === 200 ? true : undefined));
    const pb = new PocketBase(url);
    pb.autoCancellation(false);
    await pb.collection("_superusers").authWithPassword(EMAIL, PASSWORD);
    return { url, pb, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** relative path → sha256 and mode of every file under the tenant's persisted and data folders. */
function treeOf(paths: TenantPaths, only?: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const top of only ?? ["pb_data", "pb_hooks", "pb_migrations"]) {
    const base = path.join(path.dirname(paths.dataDir), top); // the folder holding pb_data, pb_hooks and pb_migrations
    if (!fs.existsSync(base)) continue;
    for (const rel of fs.readdirSync(base, { recursive: true, encoding: "utf8" })) {
      const file = path.join(base, rel);
      const stat = fs.statSync(file);
      if (stat.isFile()) out[`${top}/${rel}`] = `${createHash("sha256").update(fs.readFileSync(file)).digest("hex")} ${stat.mode & 0o777}`;
    }
  }
  return out;
}

async function listKeys(storage: ObjectStorage, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  for await (const o of storage.list(prefix)) keys.push(o.key);
  return keys;
}

async function filesOf(storage: ObjectStorage, manifest: Manifest): Promise<ManifestFile[]> {
  const files: ManifestFile[] = [];
  for await (const f of manifestFiles(storage, manifest)) files.push(f);
  return files;
}

async function countPosts(dbFile: string): Promise<number> {
  // The sqlite3 shell rather than @libsql/client, whose connection stayed open after close() until
  // it was collected: its late close checkpointed the WAL of a restored copy under a later test.
  const { stdout } = await execa("sqlite3", ["-batch", dbFile, "PRAGMA integrity_check; SELECT count(*) FROM posts;"]);
  const [check, count] = stdout.trim().split("\n");
  expect(check).toBe("ok");
  return Number(count);
}

describe.each(backends)("tenant sync on %s", (_name, openBackend) => {
  const log = pino({ level: "silent" });
  let backend: Backend;
  let sync: Sync;
  let workDir: string;
  let source: TenantPaths;
  let live: RunningPocketBase | undefined;
  const started: RunningPocketBase[] = [];
  let bigFile: { recordId: string; name: string; bytes: Buffer };
  let first: Awaited<ReturnType<Sync["upload"]>>;
  let postsBeforeUpload = 0;

  const fresh = (name: string) => tenantPaths(path.join(workDir, name), ID);

  beforeAll(async () => {
    backend = await openBackend();
    sync = createSync({ storage: backend.storage, log });
    workDir = fs.mkdtempSync(path.join(os.tmpdir(), "picobase-sync-"));
    source = tenantPaths(path.join(workDir, "source"), ID);
    for (const dir of [source.hooksDir, source.migrationsDir, source.meta]) fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(source.hooksDir, "main.pb.js"), HOOK);
    fs.writeFileSync(path.join(source.migrationsDir, "1700000000_noop.js"), MIGRATION);
    await execa(tools.pocketbase, ["superuser", "upsert", EMAIL, PASSWORD, `--dir=${source.dataDir}`, `--migrationsDir=${source.migrationsDir}`]);
    live = await startPocketBase(source);
    started.push(live);
    await live.pb.collections.create({
      name: "posts",
      type: "base",
      fields: [
        { name: "title", type: "text" },
        { name: "attachment", type: "file", maxSelect: 1, maxSize: 20_000_000 },
      ],
    });
    for (let i = 0; i < 40; i++) await live.pb.collection("posts").create({ title: `post ${i}` });
    const bytes = randomBytes(2 * 1024 * 1024);
    const form = new FormData();
    form.set("title", "with a file");
    form.set("attachment", new File([bytes], "big.bin"));
    const record = await live.pb.collection("posts").create(form);
    bigFile = { recordId: record.id, name: String(record.attachment), bytes };
  });

  afterAll(async () => {
    for (const pb of started) await pb.stop();
    await backend?.dispose();
    if (workDir) fs.rmSync(workDir, { recursive: true, force: true });
  });

  it("uploads a consistent snapshot while PocketBase is writing, and it restores and runs", async () => {
    const pb = live?.pb;
    if (!pb) throw new Error("PocketBase did not start");
    postsBeforeUpload = (await pb.collection("posts").getList(1, 1)).totalItems;
    let writing = true;
    let committed = 0;
    let committedAtUpload = 0;
    const writer = (async () => {
      while (writing) {
        await pb.collection("posts").create({ title: `concurrent ${committed}` });
        committed++;
      }
    })();
    try {
      await waitFor("concurrent writes", () => (committed >= 5 ? true : undefined));
      expect(fs.statSync(`${source.dataDir}/data.db-wal`).size).toBeGreaterThan(0); // the database is live, in WAL mode
      committedAtUpload = committed;
      first = await sync.upload(ID, source, 1);
    } finally {
      writing = false;
      await writer;
    }
    expect(committed).toBeGreaterThan(committedAtUpload); // PocketBase kept writing during the upload
    expect(first).toMatchObject({ generation: 1, manifestKey: `tenants/${ID}/snapshots/1/manifest.json` });
    expect(first.uploadedBytes).toBeGreaterThan(bigFile.bytes.length);
    expect(await sync.latestGeneration(ID)).toBe(1);

    const target = fresh("restored");
    const staged = () => fs.readdirSync(target.volume).filter((n) => n.startsWith(".restore-"));
    // What a crash during an earlier restore left on the volume (it would count against the quota).
    fs.mkdirSync(path.join(target.volume, ".restore-crashed", "new", "pb_data"), { recursive: true });
    fs.writeFileSync(path.join(target.volume, ".restore-crashed", "new", "pb_data", "data.db"), Buffer.alloc(1024 * 1024));
    await sync.restore(ID, target, 1);
    expect(staged()).toEqual([]); // onto nothing: the staging folder was left empty, and removed; the crash's is gone too
    await sync.restore(ID, target, 1);
    expect(staged()).toEqual([]); // over the folders just restored: they went to staging, and were removed with it
    expect(treeOf(target, ["pb_hooks", "pb_migrations"])).toEqual(treeOf(source, ["pb_hooks", "pb_migrations"]));
    // Rows committed before the upload began (still in the WAL, not yet checkpointed) are all there.
    expect(await countPosts(path.join(target.dataDir, "data.db"))).toBeGreaterThanOrEqual(postsBeforeUpload + committedAtUpload);

    const restored = await startPocketBase(target);
    started.push(restored);
    const list = await restored.pb.collection("posts").getList(1, 1);
    expect(list.totalItems).toBeGreaterThanOrEqual(postsBeforeUpload + committedAtUpload);
    const record = await restored.pb.collection("posts").getOne(bigFile.recordId);
    const res = await fetch(restored.pb.files.getURL(record, bigFile.name));
    expect(Buffer.from(await res.arrayBuffer()).equals(bigFile.bytes)).toBe(true);
    const hello = await fetch(`${restored.url}/hello`);
    expect(await hello.text()).toBe("hi");
    await restored.stop();
  });

  it("uploads only the new blob next time, and the older generation stays restorable", async () => {
    const pb = live?.pb;
    if (!pb) throw new Error("PocketBase did not start");
    const small = Buffer.from("a small second file");
    const form = new FormData();
    form.set("attachment", new File([small], "small.txt"));
    const record = await pb.collection("posts").create(form);
    const blobsBefore = await listKeys(backend.storage, `tenants/${ID}/blobs/`);

    const second = await sync.upload(ID, source, 2);
    const manifest = await readManifest(backend.storage, ID, 2);
    const recordDir = `pb_data/storage/${record.collectionId}/${record.id}/`;
    const added = (await filesOf(backend.storage, manifest)).filter((f) => f.path.startsWith(recordDir)); // the file and PocketBase's .attrs sidecar
    expect(added.map((f) => f.path).sort()).toEqual([`${recordDir}${record.attachment}`, `${recordDir}${record.attachment}.attrs`]);
    expect(added.find((f) => f.path.endsWith(String(record.attachment)))?.sha256).toBe(createHash("sha256").update(small).digest("hex"));
    const expectedBlobs = [...blobsBefore, ...added.map((f) => blobKey(ID, f.sha256))].sort();
    expect(await listKeys(backend.storage, `tenants/${ID}/blobs/`)).toEqual(expectedBlobs);
    if (manifest.format !== 2) throw new Error("new snapshots have a separate file list");
    const manifestBytes = Buffer.concat(await (await backend.storage.get(second.manifestKey)).toArray()).length + manifest.files.compressedSize;
    const dbBytes = manifest.databases.reduce((n, d) => n + d.compressedSize, 0);
    const addedBytes = added.reduce((n, f) => n + f.size, 0);
    expect(second.uploadedBytes).toBe(dbBytes + addedBytes + manifestBytes); // nothing else was re-sent
    expect(second.uploadedBytes).toBeLessThan(first.uploadedBytes);
    expect(await sync.latestGeneration(ID)).toBe(2);

    const old = fresh("old-generation");
    await sync.restore(ID, old, 1);
    const names = Object.keys(treeOf(old, ["pb_data/storage"]));
    expect(names.some((n) => n.endsWith(bigFile.name))).toBe(true);
    expect(names.some((n) => n.endsWith(String(record.attachment)))).toBe(false);
    expect(await countPosts(path.join(old.dataDir, "data.db"))).toBeGreaterThanOrEqual(postsBeforeUpload);
  });

  it("leaves local files untouched when a restore fails on corrupt data or on a storage outage", async () => {
    const target = fresh("restored");
    const before = treeOf(target);
    const manifest = await readManifest(backend.storage, ID, 2);
    const victim = (await filesOf(backend.storage, manifest)).find((f) => f.path.startsWith("pb_data/storage/"));
    if (!victim) throw new Error("no stored file in the manifest");
    const key = blobKey(ID, victim.sha256);
    const original = Buffer.concat(await (await backend.storage.get(key)).toArray());
    await backend.storage.put(key, Buffer.from("tampered"));
    await expect(sync.restore(ID, target, 2)).rejects.toThrow(/corrupt/);
    await backend.storage.put(key, original);
    expect(treeOf(target)).toEqual(before);

    const repair = await backend.breakStorage();
    try {
      await expect(sync.restore(ID, target, 2)).rejects.toThrow();
    } finally {
      await repair();
    }
    expect(treeOf(target)).toEqual(before);
    expect(fs.readdirSync(target.volume).filter((n) => n.startsWith(".restore-"))).toEqual([]); // the staging folder is gone
  });

  it("rejects a failed upload and leaves local files untouched", async () => {
    const target = fresh("restored");
    const before = treeOf(target);
    const repair = await backend.breakStorage();
    try {
      await expect(sync.upload(ID, target, 3)).rejects.toThrow();
    } finally {
      await repair();
    }
    expect(treeOf(target)).toEqual(before);
    expect(fs.readdirSync(target.meta).filter((n) => n.startsWith("snapshot-"))).toEqual([]);
    expect(await sync.latestGeneration(ID)).toBe(2);
  });

  it("fingerprints: stable without changes, different after a write", async () => {
    const idle = fresh("restored");
    const a = await sync.fingerprint(idle);
    expect(await sync.fingerprint(idle)).toBe(a);
    await sync.upload(ID, idle, 3); // reading the databases for a snapshot is not a change
    expect(await sync.fingerprint(idle)).toBe(a);
    fs.writeFileSync(path.join(idle.hooksDir, "extra.pb.js"), "// more\n");
    expect(await sync.fingerprint(idle)).not.toBe(a);

    const pb = live?.pb;
    if (!pb) throw new Error("PocketBase did not start");
    const beforeWrite = await sync.fingerprint(source);
    await pb.collection("posts").create({ title: "one more" });
    expect(await sync.fingerprint(source)).not.toBe(beforeWrite);
  });

  it("prunes old generations and the blobs only they referenced", async () => {
    // A node that lost the lease stops at its first deletion: nothing goes (the new holder's uploads are not referenced here).
    const before = await listKeys(backend.storage, `tenants/${ID}/`);
    await expect(sync.prune(ID, [3], { collect: true, mayDelete: () => false })).rejects.toThrow(/no longer holds its lease/);
    expect(await listKeys(backend.storage, `tenants/${ID}/`)).toEqual(before);

    await backend.storage.put(`tenants/${ID}/snapshots/1/data.db.gz.partial-upload-leftover`, Buffer.from("x"));
    const kept = await readManifest(backend.storage, ID, 3);
    const result = await sync.prune(ID, [3]);
    expect(result).toMatchObject({ keptGenerations: [3], deletedGenerations: [1, 2] });
    expect(result.deletedBlobs).toBeGreaterThan(0); // gen 2's second file is not in gen 3
    const generations = (await listKeys(backend.storage, `tenants/${ID}/snapshots/`)).map((k) => k.split("/")[3]);
    expect([...new Set(generations)]).toEqual(["3"]);
    const blobs = [...new Set((await filesOf(backend.storage, kept)).map((f) => blobKey(ID, f.sha256)))].sort();
    expect(await listKeys(backend.storage, `tenants/${ID}/blobs/`)).toEqual(blobs);
    await sync.restore(ID, fresh("after-prune"), 3); // still complete
    await expect(sync.restore(ID, fresh("pruned"), 1)).rejects.toThrow();
  });

  it("purges every object of the instance and nothing else", async () => {
    await backend.storage.put("tenants/someone-else/keep", Buffer.from("x"));
    await sync.purge(ID);
    expect(await listKeys(backend.storage, `tenants/${ID}/`)).toEqual([]);
    expect(await sync.latestGeneration(ID)).toBe(0);
    expect(await listKeys(backend.storage, "tenants/")).toEqual(["tenants/someone-else/keep"]);
  });

  it("carries the recorded generation's databases over, not a newer upload nobody recorded", async () => {
    const other = "inst_sync_carry";
    await sync.upload(other, source, 1); // recorded by the platform
    const recorded = await readManifest(backend.storage, other, 1);
    // A node that lost the lease finished an upload under a later number, which was never recorded.
    const orphan: Manifest = { ...recorded, generation: 5, databases: recorded.databases.map((d) => ({ ...d, key: `${d.key}.stale` })) };
    await backend.storage.put(manifestKey(other, 5), serializeManifest(orphan));

    await sync.upload(other, source, 6, undefined, { databases: "carry", reason: "schedule", previousGeneration: 1 });
    expect((await readManifest(backend.storage, other, 6)).databases).toEqual(recorded.databases);
    await sync.purge(other);
  });

  it("stores database copies as zstd, and restores copies an earlier version stored as gzip", async () => {
    const other = "inst_sync_gzip";
    await sync.upload(other, source, 1);
    const stored = await readManifest(backend.storage, other, 1);
    for (const db of stored.databases) expect(zstdDecompressSync(Buffer.concat(await (await backend.storage.get(db.key)).toArray())).length).toBe(db.size);
    expect(stored.databases.map((d) => d.key.split("/").pop())).toEqual(["data.db.zst", "auxiliary.db.zst"]);
    const asZstd = fresh("from-zstd");
    await sync.restore(other, asZstd, 1);

    // The same generation as an earlier version stored it: gzip objects (two members) named .gz.
    const databases = [];
    for (const db of stored.databases) {
      const raw = zstdDecompressSync(Buffer.concat(await (await backend.storage.get(db.key)).toArray()));
      const gzip = Buffer.concat([gzipSync(raw.subarray(0, 4096)), gzipSync(raw.subarray(4096))]);
      const key = db.key.replace(/\.zst$/, ".gz");
      await backend.storage.put(key, gzip);
      await backend.storage.deletePrefix(db.key); // the zstd copy is gone: the restore reads the gzip one
      databases.push({ ...db, key, compressedSize: gzip.length });
    }
    await backend.storage.put(manifestKey(other, 1), serializeManifest({ ...stored, databases }));
    const asGzip = fresh("from-gzip");
    await sync.restore(other, asGzip, 1);
    for (const name of ["data.db", "auxiliary.db"]) {
      expect(fs.readFileSync(path.join(asGzip.dataDir, name)).equals(fs.readFileSync(path.join(asZstd.dataDir, name)))).toBe(true);
    }
    expect(await countPosts(path.join(asGzip.dataDir, "data.db"))).toBeGreaterThanOrEqual(postsBeforeUpload);
    await sync.purge(other);
  });

  it("restoring generation 0 only creates the empty folders", async () => {
    const empty = fresh("empty");
    await sync.restore(ID, empty, 0);
    for (const dir of [empty.dataDir, empty.hooksDir, empty.migrationsDir, empty.meta]) expect(fs.readdirSync(dir)).toEqual([]);
  });
});
