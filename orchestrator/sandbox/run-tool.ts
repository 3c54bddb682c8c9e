import { execa } from "execa";

export type RunToolOptions = {
  /** Exit codes that count as success (default: 0 only). */
  okCodes?: number[];
  /** Killed, and a failure, after this long. */
  timeoutMs?: number;
  /** Written to the tool's stdin (e.g. an `ip -batch -` script or an nft ruleset). */
  input?: string;
};

/**
 * Runs a host tool (mount, mkfs.ext4, ip, nft…) to its end; throws with its output when it exits
 * with a code other than `okCodes` or outlives `timeoutMs`.
 */
export async function runTool(file: string, args: string[], options: RunToolOptions = {}): Promise<void> {
  const okCodes = options.okCodes ?? [0];
  const result = await execa(file, args, {
    reject: false,
    all: true,
    ...(options.timeoutMs !== undefined && { timeout: options.timeoutMs }),
    ...(options.input !== undefined && { input: options.input }),
  });
  if (!okCodes.includes(result.exitCode ?? -1)) {
    const why = result.timedOut ? `timed out after ${options.timeoutMs} ms` : "failed";
    throw new Error(`${file} ${args.join(" ")} ${why}: ${result.all ?? ""}`.trim());
  }
}
