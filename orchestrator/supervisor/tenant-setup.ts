import fs from "node:fs/promises";
import { execa } from "execa";
import type { TenantPaths } from "../tenant/paths";
import { describeExit, TenantStartError } from "./errors";
import { superuserArgs, tenantEnv } from "./tenant-command";
import { identityArgs, type TenantIdentity } from "./tenant-identity";

/** Creates the tenant's folders (data, hooks, migrations, public, meta) when missing. */
export async function ensureTenantDirs(paths: TenantPaths): Promise<void> {
  const dirs = [paths.root, paths.dataDir, paths.hooksDir, paths.migrationsDir, paths.publicDir, paths.meta];
  for (const dir of dirs) await fs.mkdir(dir, { recursive: true });
}

/** Fails with a clear message when the PocketBase binary is missing or not executable. */
export async function assertExecutable(binary: string): Promise<void> {
  try {
    await fs.access(binary, fs.constants.X_OK);
  } catch (err) {
    throw new TenantStartError(`PocketBase binary not found or not executable: ${binary} (${String(err)})`, []);
  }
}

export type SuperuserOptions = {
  binary: string;
  memoryLimit: string;
  timeoutMs: number;
  /** With an identity, the command runs as that user through setpriv. */
  setpriv?: string | undefined;
  identity?: TenantIdentity | undefined;
};

/**
 * Runs `pocketbase superuser upsert` for the tenant with the same scrubbed environment as serve.
 * The error never includes the command line, which carries the password.
 */
export async function upsertSuperuser(
  opts: SuperuserOptions,
  paths: TenantPaths,
  email: string,
  password: string,
): Promise<void> {
  await ensureTenantDirs(paths);
  await assertExecutable(opts.binary);
  const args = superuserArgs(paths, email, password);
  const [file, fileArgs] = opts.identity && opts.setpriv ? [opts.setpriv, [...identityArgs(opts.identity), "--", opts.binary, ...args]] : [opts.binary, args];
  const result = await execa(file, fileArgs, {
    cwd: paths.root,
    env: tenantEnv(paths, opts.memoryLimit),
    extendEnv: false,
    stdin: "ignore",
    all: true,
    reject: false,
    timeout: opts.timeoutMs,
  });
  // PocketBase exits 0 even when it rejects its arguments, so success is read from its output.
  if (result.exitCode === 0 && /Successfully saved superuser/.test(result.all ?? "")) return;
  const lines = (result.all ?? "").split("\n").filter((l) => l.trim() !== "").slice(-20);
  const how = result.timedOut ? `timed out after ${opts.timeoutMs} ms` : describeExit({
    exitCode: result.exitCode ?? null,
    signal: result.signal ?? null,
  });
  throw new TenantStartError(`pocketbase superuser upsert failed for ${paths.root} (${how})`, lines);
}
