import fs from "node:fs/promises";
import { z } from "zod";
import type { TenantPaths } from "../tenant/paths";
import { isCode, writeFileAtomic } from "./local-files";

const syncStateSchema = z.object({
  /** The generation the local folder corresponds to (0: nothing uploaded yet). */
  generation: z.number().int().min(0),
  /** `Sync.fingerprint` of the local files when that generation was uploaded or restored. */
  fingerprint: z.string().nullable(),
});

export type SyncState = z.infer<typeof syncStateSchema>;

/** The local folder's sync state, or null when this host has none for the tenant. */
export async function readSyncState(paths: TenantPaths): Promise<SyncState | null> {
  let text: string;
  try {
    text = await fs.readFile(paths.syncStateFile, "utf8");
  } catch (err) {
    if (isCode(err, "ENOENT")) return null;
    throw err;
  }
  const parsed = syncStateSchema.safeParse(JSON.parse(text));
  if (!parsed.success) throw new Error(`Invalid sync state in ${paths.syncStateFile}: ${z.prettifyError(parsed.error)}`);
  return parsed.data;
}

/** Records the local folder's sync state (atomic: temp file + rename). */
export async function writeSyncState(paths: TenantPaths, state: SyncState): Promise<void> {
  await writeFileAtomic(paths.syncStateFile, `${JSON.stringify(syncStateSchema.parse(state))}\n`);
}
