import fs from "node:fs/promises";
import { execa } from "execa";
import type { TenantPaths } from "../tenant/paths";
import { describeExit, TenantStartError } from "./errors";
import path from "node:path";
import { provisionArgs, tenantEnv } from "./tenant-command";
import type { TenantRunner } from "./tenant-runner";

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

export type ProvisionOptions = { memoryLimit: string; timeoutMs: number };

/** Names of the variables that carry the credentials into the provisioning migration. */
const EMAIL_VAR = "PICOBASE_SUPERUSER_EMAIL";
const PASSWORD_VAR = "PICOBASE_SUPERUSER_PASSWORD";

/**
 * A JS migration that creates or updates the platform superuser from the environment. It holds no
 * secret itself; each provisioning gets a new file name, since PocketBase applies a name once.
 */
const PROVISION_MIGRATION = `migrate((app) => {
  const email = $os.getenv("${EMAIL_VAR}");
  const password = $os.getenv("${PASSWORD_VAR}");
  if (!email || !password) throw new Error("platform superuser credentials missing");
  let record;
  try {
    record = app.findAuthRecordByEmail("_superusers", email);
  } catch (_) {
    record = new Record(app.findCollectionByNameOrId("_superusers"));
    record.set("email", email);
  }
  record.set("password", password);
  app.save(record);
});
`;

/**
 * Creates or updates the tenant's platform superuser with `pocketbase migrate up` over a one-off
 * platform migration, before serve. The password travels in the environment of that one process
 * (readable only by its own uid and root; in the sandbox nothing else even shares its pid
 * namespace), never on a command line, where every local user could read it.
 */
export async function provisionSuperuser(opts: ProvisionOptions, runner: TenantRunner, paths: TenantPaths, email: string, password: string): Promise<void> {
  const dir = path.join(paths.meta, "provision");
  await fs.rm(dir, { recursive: true, force: true });
  await fs.mkdir(dir, { recursive: true, mode: 0o755 });
  const name = `${Date.now()}_picobase_superuser.js`;
  await fs.writeFile(path.join(dir, name), PROVISION_MIGRATION, { mode: 0o644 });
  const bind = { host: dir, inside: "/pb/platform_migrations" };
  const command = runner.command(provisionArgs(runner.dirs, runner.insidePath(bind)), "once", [bind]);
  const result = await execa(command.file, command.args, {
    cwd: paths.root,
    env: { ...tenantEnv(runner.dirs, opts.memoryLimit), [EMAIL_VAR]: email, [PASSWORD_VAR]: password },
    extendEnv: false,
    stdin: "ignore",
    all: true,
    reject: false,
    timeout: opts.timeoutMs,
  });
  await fs.rm(dir, { recursive: true, force: true });
  // PocketBase may exit 0 without applying anything, so success is read from its output.
  if (result.exitCode === 0 && result.all?.includes(`Applied ${name}`)) return;
  const lines = (result.all ?? "")
    .split("\n")
    .filter((l) => l.trim() !== "")
    .slice(-20);
  const how = result.timedOut ? `timed out after ${opts.timeoutMs} ms` : describeExit({ exitCode: result.exitCode ?? null, signal: result.signal ?? null });
  throw new TenantStartError(`provisioning the platform superuser failed for ${paths.root} (${how})`, lines);
}
