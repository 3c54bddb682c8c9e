import { randomUUID } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { assertValidKey, assertValidPrefix, compareKeys, InvalidObjectKeyError } from "./object-key";
import { ObjectNotFoundError, type ObjectInfo, type ObjectStorage } from "./object-storage";

/** Folder under the root for in-flight writes; renamed into place when complete, never listed. */
const INCOMING_DIR = ".incoming";

/** Object storage in a local directory: one file per key, atomic writes (temp file + rename). */
export function createLocalStorage(root: string): ObjectStorage {
  const base = path.resolve(root);
  const incoming = path.join(base, INCOMING_DIR);

  const fileOf = (key: string) => {
    assertValidKey(key);
    if (key.split("/")[0] === INCOMING_DIR) throw new InvalidObjectKeyError(key, "reserved folder");
    return path.join(base, ...key.split("/"));
  };

  return {
    async put(key, body) {
      const file = fileOf(key);
      await fs.promises.mkdir(incoming, { recursive: true });
      const temp = path.join(incoming, randomUUID());
      try {
        await writeDurably(temp, body);
        await fs.promises.mkdir(path.dirname(file), { recursive: true });
        await fs.promises.rename(temp, file);
      } finally {
        await fs.promises.rm(temp, { force: true });
      }
    },

    async get(key) {
      const file = fileOf(key);
      const handle = await fs.promises.open(file, "r").catch((err: unknown) => {
        if (isMissing(err) || isNotDirectory(err)) throw new ObjectNotFoundError(key);
        throw err;
      });
      if (!(await handle.stat()).isFile()) {
        await handle.close();
        throw new ObjectNotFoundError(key);
      }
      return handle.createReadStream();
    },

    async exists(key) {
      const stat = await fs.promises.stat(fileOf(key)).catch((err: unknown) => {
        if (isMissing(err) || isNotDirectory(err)) return null;
        throw err;
      });
      return stat?.isFile() ?? false;
    },

    list(prefix) {
      assertValidPrefix(prefix);
      return listKeys(base, prefix);
    },

    async deletePrefix(prefix) {
      assertValidPrefix(prefix);
      let deleted = 0;
      for await (const { key } of listKeys(base, prefix)) {
        await fs.promises.rm(path.join(base, ...key.split("/")), { force: true });
        await pruneEmptyParents(base, path.dirname(path.join(base, ...key.split("/"))));
        deleted++;
      }
      return deleted;
    },
  };
}

async function writeDurably(file: string, body: Buffer | Readable): Promise<void> {
  if (Buffer.isBuffer(body)) {
    await fs.promises.writeFile(file, body, { flush: true });
    return;
  }
  await pipeline(body, fs.createWriteStream(file, { flush: true }));
}

/** Every file under `prefix`, sorted in key order (collected first: a directory walk is not key order). */
async function* listKeys(base: string, prefix: string): AsyncGenerator<ObjectInfo> {
  const lastSlash = prefix.lastIndexOf("/");
  const dirKey = lastSlash === -1 ? "" : prefix.slice(0, lastSlash);
  const found: ObjectInfo[] = [];
  await walk(path.join(base, ...dirKey.split("/").filter(Boolean)), dirKey, found);
  const matching = found.filter((o) => o.key.startsWith(prefix) && o.key.split("/")[0] !== INCOMING_DIR);
  yield* matching.sort((a, b) => compareKeys(a.key, b.key));
}

async function walk(dir: string, dirKey: string, out: ObjectInfo[]): Promise<void> {
  const entries = await fs.promises.readdir(dir, { withFileTypes: true }).catch((err: unknown) => {
    if (isMissing(err) || isNotDirectory(err)) return [];
    throw err;
  });
  for (const entry of entries) {
    const key = dirKey ? `${dirKey}/${entry.name}` : entry.name;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) await walk(full, key, out);
    else if (entry.isFile()) out.push({ key, size: (await fs.promises.stat(full)).size });
  }
}

async function pruneEmptyParents(base: string, dir: string): Promise<void> {
  for (let current = dir; current !== base && current.startsWith(base + path.sep); current = path.dirname(current)) {
    try {
      await fs.promises.rmdir(current);
    } catch (err) {
      // Not empty (or already gone): parents are then not empty either, stop here.
      if (isCode(err, "ENOTEMPTY") || isCode(err, "EEXIST") || isMissing(err)) return;
      throw err;
    }
  }
}

function isCode(err: unknown, code: string): boolean {
  return err instanceof Error && "code" in err && err.code === code;
}

function isMissing(err: unknown): boolean {
  return isCode(err, "ENOENT");
}

function isNotDirectory(err: unknown): boolean {
  return isCode(err, "ENOTDIR");
}
