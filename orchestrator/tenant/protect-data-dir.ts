import fs from "node:fs/promises";
import type { StorageConfig } from "../config";

async function chmodIfExists(file: string, mode: number): Promise<void> {
  try {
    await fs.chmod(file, mode);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
  }
}

/**
 * Tightens the platform's folder so tenant users can reach their own folder and nothing else:
 * the data folder and tenants folder are traversable but not listable, the local object store
 * and the control DB are ours alone (SQLite gives its -wal/-shm files the DB file's mode).
 */
export async function protectDataDir(opts: { dataDir: string; tenantsDir: string; storage: StorageConfig; dbUrl: string }): Promise<void> {
  await fs.chmod(opts.dataDir, 0o711);
  await fs.mkdir(opts.tenantsDir, { recursive: true });
  await fs.chmod(opts.tenantsDir, 0o711);
  if (opts.storage.driver === "local") {
    await fs.mkdir(opts.storage.root, { recursive: true });
    await fs.chmod(opts.storage.root, 0o700);
  }
  if (opts.dbUrl.startsWith("file:")) {
    const file = opts.dbUrl.slice("file:".length);
    for (const suffix of ["", "-wal", "-shm"]) await chmodIfExists(`${file}${suffix}`, 0o600);
  }
}
