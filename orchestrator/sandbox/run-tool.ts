import { execa } from "execa";

/**
 * Runs a host tool (mount, mkfs.ext4, e2fsck…) to its end; throws with its output when it exits
 * with a code other than `okCodes` (default 0) or outlives `timeoutMs`.
 */
export async function runTool(file: string, args: string[], options: { okCodes?: number[]; timeoutMs?: number } = {}): Promise<void> {
  const okCodes = options.okCodes ?? [0];
  const result = await execa(file, args, { reject: false, all: true, ...(options.timeoutMs !== undefined && { timeout: options.timeoutMs }) });
  if (!okCodes.includes(result.exitCode ?? -1)) throw new Error(`${file} ${args.join(" ")} failed: ${result.all ?? ""}`.trim());
}
