import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { execa } from "execa";
import { repoRoot } from "./tools";

const bin = path.join(repoRoot, "cli/bin/picobase.mjs");

/** How one `picobase` run ended. */
export type CliResult = { exitCode: number; stdout: string; stderr: string };

/** Extra settings of one run; `configHome` keeps a login between runs (see `createCliHome`). */
export type CliRunOptions = { env?: Record<string, string>; input?: string; configHome?: string; cwd?: string; timeoutMs?: number };

/** A temporary folder to use as XDG_CONFIG_HOME (and HOME) across several runs; remove it when done. */
export function createCliHome(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), "picobase-cli-home-"));
}

/**
 * Runs `node cli/bin/picobase.mjs <args>` as a process, as a user would, with its config under a
 * temporary XDG_CONFIG_HOME (never the developer's own), no terminal, no colors, and none of the
 * caller's PICOBASE_* variables unless given in `env`. `input` is written to its stdin.
 */
export async function runCli(args: string[], options: CliRunOptions = {}): Promise<CliResult> {
  const home = options.configHome ?? createCliHome();
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith("PICOBASE_")));
  try {
    const result = await execa("node", [bin, ...args], {
      cwd: options.cwd ?? repoRoot,
      env: { ...inherited, HOME: home, XDG_CONFIG_HOME: home, NO_COLOR: "1", ...options.env },
      extendEnv: false,
      input: options.input ?? "",
      reject: false,
      timeout: options.timeoutMs ?? 120_000,
    });
    return { exitCode: result.exitCode ?? 1, stdout: String(result.stdout), stderr: String(result.stderr) };
  } finally {
    if (!options.configHome) fs.rmSync(home, { recursive: true, force: true });
  }
}
