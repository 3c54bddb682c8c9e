import fs from "node:fs/promises";
import path from "node:path";
import { UnprocessableError } from "../../lib/errors";
import { type BundleLimits, bundleTooLarge, checkArchivePath, createEntryIndex } from "../deploys/bundle-rules";
import type { BundleEntry } from "../deploys/read-bundle";
import { writeCounted } from "../deploys/stage-bundle";

/** What an import takes from a PocketBase data folder: its databases (and WAL files), and uploaded files. */
const TAKEN = /^(data\.db|auxiliary\.db)(-wal)?$|^storage\//;

/** An import archive that breaks a rule; the message names the entry and the rule. */
export class InvalidImportError extends UnprocessableError {
  constructor(message: string) {
    super(message, undefined, "invalid_import");
  }
}

export type ExtractedImport = { files: number; bytes: number; databases: string[]; skipped: string[] };

/**
 * Writes the data folder of an uploaded PocketBase backup into `pbData` (a new folder of ours): the
 * zip PocketBase's admin UI makes (data.db, auxiliary.db, storage/ at its top), or a zipped
 * pb_data folder. Every entry's path is checked (relative, no `..`, no odd characters), only files
 * and folders are accepted, duplicates and too many or too large files are refused, and names are
 * only ever used below `pbData`. Anything else PocketBase keeps there (types.d.ts, its own backups)
 * is skipped. Throws when there is no data.db.
 */
export async function extractImport(entries: AsyncIterable<BundleEntry>, pbData: string, limits: BundleLimits): Promise<ExtractedImport> {
  const index = createEntryIndex(limits);
  const result: ExtractedImport = { files: 0, bytes: 0, databases: [], skipped: [] };
  let skippedBytes = 0;
  let skippedEntries = 0;
  for await (const entry of entries) {
    const raw = checkArchivePath(entry.path, "Archive entry", (message) => new InvalidImportError(message));
    const p = raw === "pb_data" ? "" : raw.startsWith("pb_data/") ? raw.slice("pb_data/".length) : raw;
    if (p === "") continue;
    if (entry.kind !== "file" && entry.kind !== "directory") {
      throw new InvalidImportError(
        `Archive entry ${JSON.stringify(raw.slice(0, 200))} is a link or special file; only regular files and folders can be imported.`,
      );
    }
    const taken = TAKEN.test(p) || p === "storage";
    if (!taken) {
      // Skipped entries are still inflated (to read past them): they count against the limits too.
      skippedBytes += entry.kind === "file" ? entry.size : 0;
      if (result.bytes + skippedBytes > limits.maxBytes) throw bundleTooLarge(limits);
      if (++skippedEntries > limits.maxFiles) throw new InvalidImportError(`The archive has more than ${limits.maxFiles.toLocaleString("en-US")} entries.`);
      if (result.skipped.length < 20) result.skipped.push(p);
      continue;
    }
    const dest = path.join(pbData, ...p.split("/"));
    if (entry.kind === "directory") {
      index.addFolder(`pb_data/${p}`);
      await fs.mkdir(dest, { recursive: true, mode: 0o755 });
      continue;
    }
    index.addFile(`pb_data/${p}`);
    if (result.bytes + skippedBytes + entry.size > limits.maxBytes) throw bundleTooLarge(limits);
    await fs.mkdir(path.dirname(dest), { recursive: true, mode: 0o755 });
    const written = await writeCounted(entry, dest, limits.maxBytes - result.bytes - skippedBytes, limits);
    await fs.chmod(dest, 0o644);
    result.bytes += written.size;
    result.files++;
    if (!p.includes("/") && p.endsWith(".db")) result.databases.push(p);
  }
  if (!result.databases.includes("data.db")) {
    throw new InvalidImportError(
      "The archive has no data.db. Upload a backup made by PocketBase (its admin UI: Settings → Backups), or a zip of a pb_data folder.",
    );
  }
  return result;
}
