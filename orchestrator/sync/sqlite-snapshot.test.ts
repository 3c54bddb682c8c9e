import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { createClient } from "@libsql/client";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { defaultSqliteCli, snapshotSqlite, snapshotSqliteAs } from "./sqlite-snapshot";

// Our own uid and gid: switching to them needs no privilege, so this runs anywhere; the
// hostile-tenant integration test runs it under a real tenant uid as root.
const self = { uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0 };

/** SQLite's file format versions (header bytes 18 and 19): 1 for a rollback journal, 2 for WAL. */
const formatVersions = (file: string) => [...fs.readFileSync(file).subarray(18, 20)];

describe.each([
  ["snapshotSqliteAs (the sqlite3 shell as the tenant)", (source: string, dest: string) => snapshotSqliteAs(self, source, dest)],
  ["snapshotSqlite (in a worker)", (source: string, dest: string) => snapshotSqlite(source, dest)],
])("%s", (_name, snapshot) => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "picobase-sqlite-copy-"));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("copies a live WAL database, rows in its WAL too, into a WAL database (PocketBase starts it without switching), quoting the path", async () => {
    const source = path.join(dir, "data.db");
    const db = createClient({ url: `file:${source}` });
    try {
      await db.execute("PRAGMA journal_mode=WAL");
      await db.execute("PRAGMA wal_autocheckpoint=0");
      await db.execute("CREATE TABLE t (v TEXT)");
      for (let i = 0; i < 10; i++) await db.execute({ sql: "INSERT INTO t VALUES (?)", args: [`row ${i}`] });
      fs.mkdirSync(path.join(dir, "out"));
      const dest = path.join(dir, "out", "it's a copy.db");
      await snapshot(source, dest);
      expect(formatVersions(dest)).toEqual([2, 2]);
      expect(fs.readdirSync(path.join(dir, "out"))).toEqual(["it's a copy.db"]); // no -wal or -shm left
      const copy = createClient({ url: `file:${dest}` });
      expect(Number((await copy.execute("SELECT count(*) AS n FROM t")).rows[0]?.n)).toBe(10);
      copy.close();
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

  it("says what to install when the shell is missing, and fails on a database it cannot open", async () => {
    const missing = { ...defaultSqliteCli, binary: "sqlite3-not-installed" };
    await expect(snapshotSqliteAs(self, path.join(dir, "x.db"), path.join(dir, "y.db"), missing)).rejects.toThrow(/install the sqlite3 package/);
    fs.writeFileSync(path.join(dir, "junk.db"), "not a database at all, but long enough to be read as one.......");
    await expect(snapshotSqliteAs(self, path.join(dir, "junk.db"), path.join(dir, "z.db"))).rejects.toThrow(/VACUUM INTO failed/);
  });
});
