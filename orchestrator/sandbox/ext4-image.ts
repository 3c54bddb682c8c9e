import fs from "node:fs/promises";
import { runTool } from "./run-tool";

/** How long mkfs.ext4 may take (a second or less on an idle host; a volume's start waits for it). */
const MKFS_TIMEOUT_MS = 60_000;

/**
 * Makes a sparse image of `bytes` holding a fresh ext4 filesystem at `image`, complete once there
 * (made aside and renamed; what a failure leaves aside is deleted). `ahead`: made for the volume
 * pool, at the lowest CPU priority, so it does not slow the starts it runs beside.
 */
export async function makeExt4Image(image: string, bytes: number, options: { ahead?: boolean } = {}): Promise<void> {
  const tmp = `${image}.new`;
  await fs.rm(tmp, { force: true });
  try {
    await fs.writeFile(tmp, "", { mode: 0o600 });
    await fs.truncate(tmp, bytes);
    // -m 0: no blocks reserved for root (nothing runs as root in there); lazy init keeps it instant.
    const mkfs = ["mkfs.ext4", "-q", "-F", "-m", "0", "-E", "lazy_itable_init=1,lazy_journal_init=1,nodiscard", tmp];
    const [file, args] = options.ahead ? ["nice", ["-n", "19", ...mkfs]] : ["mkfs.ext4", mkfs.slice(1)];
    await runTool(file, args, { timeoutMs: MKFS_TIMEOUT_MS });
    await fs.rename(tmp, image);
  } catch (err) {
    await fs.rm(tmp, { force: true });
    throw err;
  }
}
