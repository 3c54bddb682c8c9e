import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Db } from "./client";
import { openDb } from "./open";

/** A migrated control DB (`file:`) in a fresh temporary folder, for tests. */
export type TempDb = { db: Db; dir: string; dispose(): void };

/** Opens a new, migrated control DB in its own temporary folder; `dispose` closes it and deletes the folder. */
export async function openTempDb(prefix = "picobase-db-"): Promise<TempDb> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  const db = await openDb({ url: `file:${path.join(dir, "control.db")}` });
  return {
    db,
    dir,
    dispose() {
      db.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
