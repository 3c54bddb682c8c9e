import { randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Readable } from "node:stream";
import { HeadObjectCommand } from "@aws-sdk/client-s3";
import pLimit from "p-limit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLocalStorage } from "../orchestrator/storage/local-storage";
import { InvalidObjectKeyError } from "../orchestrator/storage/object-key";
import { ObjectNotFoundError, type ObjectStorage } from "../orchestrator/storage/object-storage";
import { createS3Storage } from "../orchestrator/storage/s3-storage";
import { startS3Server } from "./support/s3-server";

type Driver = { storage: ObjectStorage; dispose: () => Promise<void> };

const drivers: Array<[string, () => Promise<Driver>]> = [
  [
    "local directory",
    async () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "picobase-objects-"));
      return { storage: createLocalStorage(dir), dispose: async () => fs.rmSync(dir, { recursive: true, force: true }) };
    },
  ],
  [
    "S3 (versitygw)",
    async () => {
      const s3 = await startS3Server();
      return { storage: createS3Storage(s3.storage), dispose: s3.dispose };
    },
  ],
];

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Uint8Array));
  return Buffer.concat(chunks);
}

async function keys(storage: ObjectStorage, prefix: string): Promise<string[]> {
  const out: string[] = [];
  for await (const o of storage.list(prefix)) out.push(o.key);
  return out;
}

/** Semi-compressible bytes in 64 KiB chunks, so the body is a real multi-chunk stream. */
function chunkedStream(data: Buffer): Readable {
  return Readable.from(
    (function* () {
      for (let i = 0; i < data.length; i += 64 * 1024) yield data.subarray(i, i + 64 * 1024);
    })(),
  );
}

describe.each(drivers)("object storage contract: %s", (_name, open) => {
  let driver: Driver;
  let storage: ObjectStorage;
  beforeAll(async () => {
    driver = await open();
    storage = driver.storage;
  });
  afterAll(async () => {
    await driver?.dispose();
  });

  it.each([
    ["a Buffer", () => Buffer.from("hello object storage")],
    ["an empty Buffer", () => Buffer.alloc(0)],
    ["a stream", () => chunkedStream(randomBytes(300 * 1024))],
  ])("round-trips %s", async (_what, makeBody) => {
    const body = makeBody();
    const expected = Buffer.isBuffer(body) ? body : Buffer.concat(await body.toArray());
    await storage.put("roundtrip/obj", Buffer.isBuffer(body) ? body : chunkedStream(expected));
    expect((await readAll(await storage.get("roundtrip/obj"))).equals(expected)).toBe(true);
  });

  it("streams a ~12 MB body (multipart on S3) intact", async () => {
    const data = Buffer.concat(Array.from({ length: 12 }, (_, i) => Buffer.concat([randomBytes(512 * 1024), Buffer.alloc(512 * 1024, i)])));
    await storage.put("big/twelve-mb", chunkedStream(data));
    const got = await readAll(await storage.get("big/twelve-mb"));
    expect(got.length).toBe(data.length);
    expect(got.equals(data)).toBe(true);
  });

  it("replaces an object on a second put", async () => {
    await storage.put("replace/me", Buffer.from("one"));
    await storage.put("replace/me", Buffer.from("two"));
    expect((await readAll(await storage.get("replace/me"))).toString()).toBe("two");
  });

  it("rejects a missing key with ObjectNotFoundError and reports existence", async () => {
    await expect(storage.get("missing/key")).rejects.toBeInstanceOf(ObjectNotFoundError);
    expect(await storage.exists("missing/key")).toBe(false);
    await storage.put("present/key", Buffer.from("x"));
    expect(await storage.exists("present/key")).toBe(true);
    expect(await storage.exists("present")).toBe(false); // a "folder" is not an object
  });

  it("lists by prefix in key order with sizes", async () => {
    for (const key of ["list/b/2", "list/a", "list/b/1", "list/a-c", "lister/x", "list/b/10"]) {
      await storage.put(key, Buffer.from(key));
    }
    expect(await keys(storage, "list/")).toEqual(["list/a", "list/a-c", "list/b/1", "list/b/10", "list/b/2"]);
    expect(await keys(storage, "list/b/1")).toEqual(["list/b/1", "list/b/10"]);
    expect(await keys(storage, "list")).toEqual(["list/a", "list/a-c", "list/b/1", "list/b/10", "list/b/2", "lister/x"]);
    expect(await keys(storage, "nothing/here/")).toEqual([]);
    const sizes: number[] = [];
    for await (const o of storage.list("list/b/")) sizes.push(o.size);
    expect(sizes).toEqual([8, 9, 8]);
  });

  it("deletes everything under a prefix and nothing else", async () => {
    for (const key of ["del/x/1", "del/x/2", "del/x/sub/3", "del/xy", "del/z"]) await storage.put(key, Buffer.from(key));
    expect(await storage.deletePrefix("del/x/")).toBe(3);
    expect(await keys(storage, "del/")).toEqual(["del/xy", "del/z"]);
    expect(await storage.deletePrefix("del/x/")).toBe(0);
  });

  it.each(["", "/abs/key", "a/../b", "../escape", "a//b", "./a", "a/", "a\\b", "a\u0000b"])("rejects the bad key %j", async (key) => {
    await expect(storage.put(key, Buffer.from("x"))).rejects.toBeInstanceOf(InvalidObjectKeyError);
    await expect(storage.get(key)).rejects.toBeInstanceOf(InvalidObjectKeyError);
    await expect(storage.exists(key)).rejects.toBeInstanceOf(InvalidObjectKeyError);
  });

  it.each(["../", "/abs/", "a/../"])("rejects the bad prefix %j", async (prefix) => {
    expect(() => storage.list(prefix)).toThrow(InvalidObjectKeyError);
    await expect(storage.deletePrefix(prefix)).rejects.toBeInstanceOf(InvalidObjectKeyError);
  });
});

describe("S3 driver specifics (versitygw)", () => {
  let s3: Awaited<ReturnType<typeof startS3Server>>;
  let storage: ObjectStorage;
  beforeAll(async () => {
    s3 = await startS3Server();
    storage = createS3Storage(s3.storage, { partSizeBytes: 5 * 1024 * 1024 });
  });
  afterAll(async () => {
    await s3?.dispose();
  });

  it("uploads a large stream as a multipart object", async () => {
    const data = randomBytes(12 * 1024 * 1024);
    await storage.put("multi/part", chunkedStream(data));
    const head = await s3.client().send(new HeadObjectCommand({ Bucket: s3.bucket, Key: "multi/part" }));
    expect(head.ContentLength).toBe(data.length);
    expect(head.ETag).toMatch(/-3"?$/); // a multipart ETag ends with the part count
  });

  it("deletes more than one DeleteObjects batch (1000 keys)", async () => {
    const limit = pLimit(16);
    await Promise.all(Array.from({ length: 1003 }, (_, i) => limit(() => storage.put(`many/${String(i).padStart(4, "0")}`, Buffer.from("x")))));
    expect(await storage.deletePrefix("many/")).toBe(1003);
    expect(await keys(storage, "many/")).toEqual([]);
  });

  it("fails with a connection error, not ObjectNotFoundError, when the server is down", async () => {
    await s3.stop();
    try {
      const err = await storage.get("any/key").catch((e: unknown) => e);
      expect(err).toBeInstanceOf(Error);
      expect(err).not.toBeInstanceOf(ObjectNotFoundError);
    } finally {
      await s3.restart();
    }
  });
});
