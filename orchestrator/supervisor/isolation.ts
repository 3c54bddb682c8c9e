import fs from "node:fs/promises";
import { execa } from "execa";
import type { Logger } from "../logger";
import { findSetpriv } from "./spawn";
import { identityArgs } from "./tenant-identity";

/** How tenants are separated from the platform: their own uid, or only a scrubbed environment. */
export type IsolationMode = "auto" | "uid" | "off";

/**
 * Decides whether tenants run under their own uid: that needs root, setpriv, and a binary and
 * tenants folder that an unprivileged user can reach (a checkout under a private home directory
 * is not). `auto` falls back with a warning; `uid` refuses to start without it.
 */
export async function resolveUidIsolation(opts: {
  mode: IsolationMode;
  binary: string;
  tenantsDir: string;
  probeUid: number;
  log: Logger;
}): Promise<boolean> {
  if (opts.mode === "off") return false;
  const problem = await uidIsolationProblem(opts);
  if (!problem) return true;
  if (opts.mode === "uid") throw new Error(`TENANT_ISOLATION=uid is not possible: ${problem}`);
  opts.log.warn({ problem }, "tenants run as the orchestrator's user (TENANT_ISOLATION=auto): they can read what it can read");
  return false;
}

async function uidIsolationProblem(opts: { binary: string; tenantsDir: string; probeUid: number }): Promise<string | null> {
  if (process.getuid?.() !== 0) return "the orchestrator is not running as root";
  const setpriv = await findSetpriv();
  if (!setpriv) return "setpriv (util-linux) is not installed";
  await fs.mkdir(opts.tenantsDir, { recursive: true });
  await fs.chmod(opts.tenantsDir, 0o711);
  const identity = { uid: opts.probeUid, gid: opts.probeUid };
  const probe = await execa(setpriv, [...identityArgs(identity), "--", "/usr/bin/test", "-x", opts.binary, "-a", "-x", opts.tenantsDir], {
    reject: false,
    extendEnv: false,
  });
  if (probe.exitCode !== 0) return `an unprivileged user cannot reach ${opts.binary} or ${opts.tenantsDir} (a parent folder is private)`;
  return null;
}
