import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { createClient } from "@libsql/client";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { defaultSqliteCli, snapshotSqlite, snapshotSqliteAs } from "./sqlite-snapshot";

// Our own uid and gid: switching to them needs no privilege, so this runs anywhere; the
// hostile-tenant integration test runs it under a real tenant uid as root.
const self = { uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0 };

/** A WAL database at `file` holding `rows` rows in table t, some of them still in its WAL. */
async function liveDatabase(file: string, rows: number) {
  const db = createClient({ url: `file:${file}` });
  await db.execute("PRAGMA journal_mode=WAL");
  await db.execute("PRAGMA wal_autocheckpoint=0");
  await db.execute("CREATE TABLE t (v TEXT)");
  for (let i = 0; i < rows; i++) await db.execute({ sql: "INSERT INTO t VALUES (?)", args: [`row ${i}`] });
  return db;
}

async function rowCount(file: string): Promise<number> {
  const db = createClient({ url: `file:${file}` });
  try {
    return Number((await db.execute("SELECT count(*) AS n FROM t")).rows[0]?.n);
  } finally {
    db.close();
  }
}

/** SQLite's file format versions (header bytes 18 and 19): 1 for a rollback journal, 2 for WAL. */
const formatVersions = (file: string) => [...fs.readFileSync(file).subarray(18, 20)];

describe.each([
  ["snapshotSqliteAs (the sqlite3 shell as the tenant)", (source: string, dest: string) => snapshotSqliteAs(self, [{ source, dest }])],
  ["snapshotSqlite (in a worker)", (source: string, dest: string) => snapshotSqlite(source, dest)],
])("%s", (_name, snapshot) => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "picobase-sqlite-copy-"));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("copies a live WAL database, rows in its WAL too, into a WAL database (PocketBase starts it without switching), quoting the path", async () => {
    const source = path.join(dir, "data.db");
    const db = await liveDatabase(source, 10);
    try {
      fs.mkdirSync(path.join(dir, "out"));
      const dest = path.join(dir, "out", "it's a copy.db");
      await snapshot(source, dest);
      expect(formatVersions(dest)).toEqual([2, 2]);
      expect(fs.readdirSync(path.join(dir, "out"))).toEqual(["it's a copy.db"]); // no -wal or -shm left
      expect(await rowCount(dest)).toBe(10);
    } finally {
      db.close();
    }
  });
});

describe("snapshotSqliteAs", () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "picobase-sqlite-cli-"));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  const copy = (source: string, dest: string) => ({ source: path.join(dir, source), dest: path.join(dir, "out", dest) });

  it("copies several live databases of one folder in one run, each into a WAL database of its own", async () => {
    const data = await liveDatabase(path.join(dir, "data.db"), 7);
    const aux = await liveDatabase(path.join(dir, "auxiliary.db"), 3);
    try {
      fs.mkdirSync(path.join(dir, "out"));
      await snapshotSqliteAs(self, [copy("data.db", "data.db"), copy("auxiliary.db", "auxiliary.db")]);
      expect(fs.readdirSync(path.join(dir, "out")).sort()).toEqual(["auxiliary.db", "data.db"]);
      expect(formatVersions(path.join(dir, "out", "auxiliary.db"))).toEqual([2, 2]);
      expect(await rowCount(path.join(dir, "out", "data.db"))).toBe(7);
      expect(await rowCount(path.join(dir, "out", "auxiliary.db"))).toBe(3);
    } finally {
      data.close();
      aux.close();
    }
  });

  it("says what to install when the shell is missing, fails on a database it cannot open, and refuses copies across folders", async () => {
    fs.mkdirSync(path.join(dir, "out"));
    const missing = { ...defaultSqliteCli, binary: "sqlite3-not-installed" };
    await expect(snapshotSqliteAs(self, [copy("x.db", "y.db")], missing)).rejects.toThrow(/install the sqlite3 package/);
    fs.writeFileSync(path.join(dir, "junk.db"), "not a database at all, but long enough to be read as one.......");
    await expect(snapshotSqliteAs(self, [copy("junk.db", "z.db")])).rejects.toThrow(/VACUUM INTO failed for junk.db/);
    const elsewhere = { source: path.join(dir, "out", "other.db"), dest: path.join(dir, "out", "w.db") };
    await expect(snapshotSqliteAs(self, [copy("junk.db", "z.db"), elsewhere])).rejects.toThrow(/one folder into one folder/);
  });
});
