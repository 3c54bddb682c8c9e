import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import pino from "pino";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createHashCacheWriter, openHashCache } from "./hash-cache";

const log = pino({ level: "silent" });
const sha = (c: string) => c.repeat(64);

describe("hash cache", () => {
  let dir: string;
  let file: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "picobase-hash-cache-"));
    file = path.join(dir, "hash-cache.ndjson.gz");
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("finds entries in path order while size and mtime match, and replaces the legacy cache", async () => {
    fs.writeFileSync(path.join(dir, "hash-cache.json"), "{}");
    const writer = createHashCacheWriter(file);
    for (let i = 0; i < 3000; i++) await writer.add({ path: `p/${String(i).padStart(5, "0")}`, size: i, mtimeMs: 1000 + i, sha256: sha(String(i % 10)) });
    await writer.commit();
    expect(fs.existsSync(path.join(dir, "hash-cache.json"))).toBe(false);

    const cache = openHashCache(file, log);
    expect(await cache.lookup("p/00001", 1, 1001)).toBe(sha("1"));
    expect(await cache.lookup("p/00002", 99, 1002)).toBeNull(); // size changed
    expect(await cache.lookup("p/00003", 3, 5)).toBeNull(); // mtime changed
    expect(await cache.lookup("p/00003x", 3, 1003)).toBeNull(); // not cached
    expect(await cache.lookup("p/02999", 2999, 3999)).toBe(sha("9"));
    expect(await cache.lookup("q", 0, 0)).toBeNull();
    await cache.close();
  });

  it("treats a missing or damaged cache as empty", async () => {
    const missing = openHashCache(file, log);
    expect(await missing.lookup("a", 1, 1)).toBeNull();
    await missing.close();
    fs.writeFileSync(file, "not gzip");
    const damaged = openHashCache(file, log);
    expect(await damaged.lookup("a", 1, 1)).toBeNull();
    await damaged.close();
  });

  it("keeps the previous cache when a new one is aborted", async () => {
    const first = createHashCacheWriter(file);
    await first.add({ path: "a", size: 1, mtimeMs: 1, sha256: sha("a") });
    await first.commit();
    const second = createHashCacheWriter(file);
    await second.add({ path: "a", size: 2, mtimeMs: 2, sha256: sha("b") });
    await second.abort();
    const cache = openHashCache(file, log);
    expect(await cache.lookup("a", 1, 1)).toBe(sha("a"));
    await cache.close();
    expect(fs.readdirSync(dir)).toEqual(["hash-cache.ndjson.gz"]);
  });
});
