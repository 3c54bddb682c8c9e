import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { type BundleLimits, bundleTooLarge, checkEntryKind, checkEntryPath, createEntryIndex } from "./bundle-rules";
import type { BundleEntry } from "./read-bundle";

/** One validated file of a bundle, written to `staged` (a flat name in our own folder). */
type StagedFile = { path: string; size: number; sha256: string; mode: number; staged: string };

/** A whole validated bundle: its files sorted by path, and their total size. */
export type StagedBundle = { files: StagedFile[]; sizeBytes: number };

/**
 * Reads every entry, checks it (path, kind, duplicates, counts, sizes) and writes each file's bytes
 * to `dir` under a numbered name, hashing them on the way: nothing an entry says is used as a path
 * on disk. Any broken rule throws before the caller stores or applies anything.
 */
export async function stageBundle(entries: AsyncIterable<BundleEntry>, dir: string, limits: BundleLimits): Promise<StagedBundle> {
  const index = createEntryIndex(limits);
  const files: StagedFile[] = [];
  let total = 0;
  for await (const entry of entries) {
    const p = checkEntryPath(entry.path);
    checkEntryKind(p, entry.kind);
    if (entry.kind === "directory") {
      index.addFolder(p);
      continue;
    }
    index.addFile(p);
    if (total + entry.size > limits.maxBytes) throw bundleTooLarge(limits);
    const staged = path.join(dir, String(files.length));
    const written = await writeCounted(entry, staged, limits.maxBytes - total, limits);
    total += written.size;
    // Executable bits survive (a hook may ship a script); nothing else of the archive's mode does.
    files.push({ path: p, size: written.size, sha256: written.sha256, mode: entry.mode & 0o111 ? 0o755 : 0o644, staged });
  }
  files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { files, sizeBytes: total };
}

/** Writes an entry's bytes to `dest` (a new file of ours), failing past `room` bytes; returns size and sha256. */
export async function writeCounted(entry: BundleEntry, dest: string, room: number, limits: BundleLimits): Promise<{ size: number; sha256: string }> {
  const hash = createHash("sha256");
  let size = 0;
  const meter = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      size += chunk.length;
      if (size > room) return done(bundleTooLarge(limits));
      hash.update(chunk);
      done(null, chunk);
    },
  });
  const out = fs.createWriteStream(dest, { flags: "wx", mode: 0o600 });
  if (entry.body) await pipeline(entry.body, meter, out);
  else await pipeline(async function* () {}, out);
  return { size, sha256: hash.digest("hex") };
}
