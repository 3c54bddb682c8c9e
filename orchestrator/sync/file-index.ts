import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { pipeline } from "node:stream/promises";
import { z } from "zod";
import type { Logger } from "../logger";
import type { TenantPaths } from "../tenant/paths";
import { isCode, type LocalFile, writeFileAtomic } from "./local-files";

/** A local file with the sha256 of its content. */
export type IndexedFile = LocalFile & { sha256: string };

const cacheSchema = z.object({
  version: z.literal(1),
  entries: z.record(z.string(), z.object({ size: z.number(), mtimeMs: z.number(), sha256: z.string() })),
});
type HashCache = z.infer<typeof cacheSchema>;

/** Where the hash cache lives: in `meta/`, which is ours and never uploaded. */
export function hashCacheFile(paths: TenantPaths): string {
  return path.join(paths.meta, "hash-cache.json");
}

/**
 * Hashes `files`, reusing cached hashes for files whose size and mtime are unchanged, and
 * rewrites the cache with exactly the current files.
 */
export async function indexFiles(files: LocalFile[], cacheFile: string, log: Logger): Promise<IndexedFile[]> {
  const cache = await readHashCache(cacheFile, log);
  const indexed: IndexedFile[] = [];
  for (const file of files) {
    const hit = cache.entries[file.path];
    const cached = hit && hit.size === file.size && hit.mtimeMs === file.mtimeMs ? hit.sha256 : null;
    indexed.push({ ...file, sha256: cached ?? (await hashFile(file.absPath)) });
  }
  await rememberHashes(cacheFile, indexed);
  return indexed;
}

/** Replaces the cache with these files' hashes (also used after a restore, which knows every hash). */
export async function rememberHashes(cacheFile: string, files: Array<Pick<IndexedFile, "path" | "size" | "mtimeMs" | "sha256">>): Promise<void> {
  const next: HashCache = { version: 1, entries: {} };
  for (const f of files) next.entries[f.path] = { size: f.size, mtimeMs: f.mtimeMs, sha256: f.sha256 };
  await writeFileAtomic(cacheFile, JSON.stringify(next));
}

async function readHashCache(cacheFile: string, log: Logger): Promise<HashCache> {
  let text: string;
  try {
    text = await fs.promises.readFile(cacheFile, "utf8");
  } catch (err) {
    if (isCode(err, "ENOENT")) return { version: 1, entries: {} };
    throw err;
  }
  try {
    return cacheSchema.parse(JSON.parse(text));
  } catch (err) {
    // The cache only saves work: a damaged one is rebuilt by hashing everything again.
    log.warn({ err, cacheFile }, "ignoring unreadable hash cache");
    return { version: 1, entries: {} };
  }
}

/** sha256 (hex) of a file's content. */
export async function hashFile(file: string): Promise<string> {
  const hash = createHash("sha256");
  await pipeline(fs.createReadStream(file), async function (source: AsyncIterable<Buffer>) {
    for await (const chunk of source) hash.update(chunk);
  });
  return hash.digest("hex");
}
