import { randomUUID } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { z } from "zod";
import type { Logger } from "../logger";
import type { TenantPaths } from "../tenant/paths";
import { isCode } from "./local-files";
import { createNdjsonWriter, readNdjson } from "./ndjson";

/** A file's content hash as of a size and mtime; while both are unchanged the file is not read again. */
export type CachedHash = { path: string; size: number; mtimeMs: number; sha256: string };

/** A line of the cache file: [path, size, mtimeMs, sha256]. */
const lineSchema = z.tuple([z.string(), z.number(), z.number(), z.string().regex(/^[0-9a-f]{64}$/)]);

/** Where the hash cache lives: in `meta/`, which is ours and never uploaded. */
export function hashCacheFile(paths: TenantPaths): string {
  return path.join(paths.meta, "hash-cache.ndjson.gz");
}

/** The cache format before it was streamed (one JSON object); read no more, deleted on the next write. */
const legacyCacheFile = (file: string) => path.join(path.dirname(file), "hash-cache.json");

export type HashCacheReader = {
  /** The cached sha256 of `path` if its size and mtime are unchanged. Call with ascending paths. */
  lookup(path: string, size: number, mtimeMs: number): Promise<string | null>;
  close(): Promise<void>;
};

/**
 * Opens the previous hash cache for lookups in path order, streaming it: memory does not grow
 * with the number of files. A missing or damaged cache only means files are hashed again.
 */
export function openHashCache(file: string, log: Logger): HashCacheReader {
  // Opened on the first lookup: the read stream's errors surface through the generator's reads.
  let lines: AsyncGenerator<unknown> | null = null;
  let head: CachedHash | null = null;
  let ended = false;

  const advance = async () => {
    try {
      lines ??= readNdjson(fs.createReadStream(file));
      const next = await lines.next();
      if (next.done) return void (ended = true);
      const [p, size, mtimeMs, sha256] = lineSchema.parse(next.value);
      head = { path: p, size, mtimeMs, sha256 };
    } catch (err) {
      ended = true;
      head = null;
      if (!isCode(err, "ENOENT")) log.warn({ err, file }, "ignoring the rest of an unreadable hash cache");
    }
  };

  return {
    async lookup(p, size, mtimeMs) {
      while (!ended && (head === null || head.path < p)) await advance();
      const hit = head?.path === p && head.size === size && head.mtimeMs === mtimeMs;
      return hit && head ? head.sha256 : null;
    },
    async close() {
      await lines?.return(undefined);
    },
  };
}

export type HashCacheWriter = {
  /** Records one file's hash; call in ascending path order. */
  add(entry: CachedHash): Promise<void>;
  /** Replaces the cache with what was added. */
  commit(): Promise<void>;
  /** Drops what was added; the previous cache stays. */
  abort(): Promise<void>;
};

/** Writes a new hash cache beside `file`, swapped in by `commit` (temp file + rename). */
export function createHashCacheWriter(file: string): HashCacheWriter {
  const temp = `${file}.${randomUUID()}.tmp`;
  const writer = createNdjsonWriter(temp);
  return {
    add: (e) => writer.write([e.path, e.size, e.mtimeMs, e.sha256]),
    async commit() {
      await writer.close();
      await fs.promises.rename(temp, file);
      await fs.promises.rm(legacyCacheFile(file), { force: true });
    },
    abort: () => writer.abort(),
  };
}
