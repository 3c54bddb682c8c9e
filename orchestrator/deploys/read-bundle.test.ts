import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { Readable } from "node:stream";
import { buffer } from "node:stream/consumers";
import { createGzip } from "node:zlib";
import * as tar from "tar-stream";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type BundleEntrySpec, tarGz, zip } from "../../tests/support/bundles";
import { bundleEntries, bundleFormatOf, type BundleFormat } from "./read-bundle";
import { stageBundle } from "./stage-bundle";

type Entry = BundleEntrySpec;

let dir: string;
beforeEach(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), "bundle-"));
});
afterEach(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

const limits = { maxBytes: 64 * 1024, maxFiles: 10 };
const stage = (format: BundleFormat, bytes: Buffer, l = limits) => stageBundle(bundleEntries(format, Readable.from([bytes]), l, dir), dir, l);

describe.each([
  ["tar.gz", tarGz],
  ["zip", zip],
] as const)("%s bundles", (format, build) => {
  it("stages files under the three folders, hashed and sorted, keeping only the exec bit", async () => {
    const bytes = await build([
      { name: "./pb_public/", type: "directory" },
      { name: "./pb_public/index.html", body: "<h1>hi</h1>" },
      { name: "pb_hooks/main.pb.js", body: "routerAdd()" },
      { name: "pb_hooks/run.sh", body: "#!/bin/sh", mode: 0o4755 },
    ]);
    const staged = await stage(format, bytes);
    expect(staged.files.map((f) => [f.path, f.size, f.mode])).toEqual([
      ["pb_hooks/main.pb.js", 11, 0o644],
      ["pb_hooks/run.sh", 9, 0o755],
      ["pb_public/index.html", 11, 0o644],
    ]);
    expect(staged.sizeBytes).toBe(31);
    expect(await fs.readFile(staged.files[2]!.staged, "utf8")).toBe("<h1>hi</h1>");
    expect(staged.files[0]!.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it.each([
    ["a symlink", { name: "pb_hooks/shadow", type: "symlink", linkname: "/etc/shadow" }, /symbolic link/],
    ["zip slip", { name: "pb_hooks/../../etc/cron.d/x", body: "x" }, /\.\.|relative path/],
    ["an absolute path", { name: "/etc/passwd", body: "x" }, /absolute/],
    ["a file outside the folders", { name: "README.md", body: "x" }, /outside pb_hooks\/, pb_migrations\/, pb_public\//],
    ["a backslash", { name: "pb_hooks\\..\\x", body: "x" }, /backslash|relative path|invalid characters/],
  ] as const)("refuses %s", async (_what, entry, message) => {
    const bytes = await build([{ name: "pb_hooks/ok.pb.js", body: "ok" }, entry as Entry]);
    await expect(stage(format, bytes)).rejects.toMatchObject({ status: 422, code: "invalid_bundle", message: expect.stringMatching(message) });
  });

  it("refuses more files than the limit", async () => {
    const bytes = await build(Array.from({ length: 11 }, (_, i) => ({ name: `pb_public/${i}.txt`, body: "x" })));
    await expect(stage(format, bytes)).rejects.toMatchObject({ status: 422, message: "The bundle has more than 10 files." });
  });

  it("refuses files that unpack past the size limit", async () => {
    const bytes = await build([{ name: "pb_public/big.bin", body: "0".repeat(limits.maxBytes + 1) }]);
    await expect(stage(format, bytes)).rejects.toMatchObject({ status: 413 });
  });

  it("refuses the same path twice", async () => {
    const bytes = await build([
      { name: "pb_hooks/a.pb.js", body: "1" },
      { name: "pb_hooks/a.pb.js", body: "2" },
    ]);
    await expect(stage(format, bytes)).rejects.toMatchObject({ status: 422, message: expect.stringMatching(/twice/) });
  });
});

describe("tar.gz specifics", () => {
  it("refuses hard links and FIFOs", async () => {
    await expect(stage("tar.gz", await tarGz([{ name: "pb_hooks/h", type: "link", linkname: "pb_hooks/a" }]))).rejects.toMatchObject({
      message: expect.stringMatching(/hard link/),
    });
    await expect(stage("tar.gz", await tarGz([{ name: "pb_hooks/f", type: "fifo" }]))).rejects.toMatchObject({
      message: expect.stringMatching(/special file/),
    });
  });

  it("stops inflating a bomb at the limit", async () => {
    // 64 MiB of zeros compress to ~64 KiB; the reader must give up long before inflating them all.
    const pack = tar.pack();
    pack.entry({ name: "pb_public/zeros", size: 64 * 1024 * 1024 }, Buffer.alloc(64 * 1024 * 1024));
    pack.finalize();
    const bytes = await buffer((pack as unknown as Readable).pipe(createGzip({ level: 9 })));
    expect(bytes.length).toBeLessThan(limits.maxBytes * 2);
    await expect(stage("tar.gz", bytes, { maxBytes: 1024 * 1024, maxFiles: 10 })).rejects.toMatchObject({ status: 413 });
  });

  it("says a body that is not gzip is not a bundle", async () => {
    await expect(stage("tar.gz", Buffer.from("hello"))).rejects.toMatchObject({ status: 422, message: expect.stringMatching(/not a valid tar\.gz/) });
  });
});

describe("bundleFormatOf", () => {
  it("maps content types and refuses others with 415", () => {
    expect(bundleFormatOf("application/gzip")).toBe("tar.gz");
    expect(bundleFormatOf("application/zip; charset=binary")).toBe("zip");
    expect(() => bundleFormatOf("text/plain")).toThrow(expect.objectContaining({ status: 415 }));
    expect(() => bundleFormatOf(undefined)).toThrow(expect.objectContaining({ status: 415 }));
  });
});
