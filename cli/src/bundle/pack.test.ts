import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { buffer } from "node:stream/consumers";
import { createGunzip } from "node:zlib";
import * as tar from "tar-stream";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { packBundle } from "./pack";
import { planBundle } from "./plan";

let root: string;

beforeEach(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), "picobase-pack-"));
});
afterEach(() => {
  fs.rmSync(root, { recursive: true, force: true });
});

function tree(files: Record<string, string>, dir = path.join(root, "app")): string {
  for (const [name, body] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), body);
  }
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}

type Listed = { name: string; type: string; size: number; mode: number; mtime: number; body: string };

async function list(file: string): Promise<Listed[]> {
  const extract = tar.extract();
  fs.createReadStream(file)
    .pipe(createGunzip())
    .pipe(extract as unknown as NodeJS.WritableStream);
  const entries: Listed[] = [];
  for await (const entry of extract) {
    const { name, type, size, mode, mtime } = entry.header;
    entries.push({ name, type, size, mode, mtime: mtime.getTime(), body: (await buffer(entry)).toString() });
  }
  return entries;
}

describe("packBundle", () => {
  it("packs the three folders under their own names, folders before their files, sorted", async () => {
    const dir = tree({
      "pb_hooks/main.pb.js": "hook",
      "pb_hooks/lib/b.js": "b",
      "pb_public/index.html": "<h1>",
      "pb_migrations/1_init.js": "m",
      "README.md": "not packed",
    });
    const { plan } = await packBundle(dir, path.join(root, "b.tar.gz"));
    const entries = await list(path.join(root, "b.tar.gz"));
    expect(entries.map((e) => `${e.type} ${e.name}`)).toEqual([
      "directory pb_hooks",
      "directory pb_hooks/lib",
      "file pb_hooks/lib/b.js",
      "file pb_hooks/main.pb.js",
      "directory pb_migrations",
      "file pb_migrations/1_init.js",
      "directory pb_public",
      "file pb_public/index.html",
    ]);
    expect(entries.find((e) => e.name === "pb_hooks/main.pb.js")).toMatchObject({ body: "hook", size: 4, mode: 0o644, mtime: 0 });
    expect(plan).toMatchObject({ folders: ["pb_hooks", "pb_migrations", "pb_public"], missing: [], fileCount: 4, totalBytes: 10 });
  });

  it("gives the same bytes for the same tree, whatever the files' times and modes", async () => {
    const dir = tree({ "pb_hooks/a.pb.js": "a", "pb_public/big.bin": "x".repeat(200_000) });
    await packBundle(dir, path.join(root, "1.tar.gz"));
    fs.utimesSync(path.join(dir, "pb_hooks/a.pb.js"), new Date(2001, 1, 1), new Date(2001, 1, 1));
    fs.chmodSync(path.join(dir, "pb_hooks/a.pb.js"), 0o755);
    await packBundle(dir, path.join(root, "2.tar.gz"));
    expect(fs.readFileSync(path.join(root, "1.tar.gz")).equals(fs.readFileSync(path.join(root, "2.tar.gz")))).toBe(true);
  });

  it("skips missing folders and says which", async () => {
    const dir = tree({ "pb_public/index.html": "hi" });
    const { plan } = await packBundle(dir, path.join(root, "b.tar.gz"));
    expect(plan.folders).toEqual(["pb_public"]);
    expect(plan.missing).toEqual(["pb_hooks", "pb_migrations"]);
    expect((await list(path.join(root, "b.tar.gz"))).map((e) => e.name)).toEqual(["pb_public", "pb_public/index.html"]);
  });

  it("keeps empty folders", async () => {
    const dir = tree({ "pb_hooks/a.pb.js": "a" });
    fs.mkdirSync(path.join(dir, "pb_public/empty"), { recursive: true });
    expect((await planBundle(dir)).entries.map((e) => e.name)).toEqual(["pb_hooks", "pb_hooks/a.pb.js", "pb_public", "pb_public/empty"]);
  });

  it("refuses a folder with none of the three", async () => {
    const dir = tree({ "index.html": "hi" });
    await expect(planBundle(dir)).rejects.toThrow("nothing to deploy: " + dir + " has none of pb_hooks, pb_migrations, pb_public.");
  });

  it("refuses a missing directory", async () => {
    await expect(planBundle(path.join(root, "nope"))).rejects.toThrow("is not a folder");
  });

  it("refuses a symlink anywhere in the tree, naming it, and never follows it", async () => {
    const dir = tree({ "pb_hooks/a.pb.js": "a", "outside/secret.txt": "secret" }, root);
    fs.symlinkSync(path.join(root, "outside/secret.txt"), path.join(dir, "pb_hooks/link.js"));
    await expect(planBundle(dir)).rejects.toThrow("pb_hooks/link.js is a symbolic link: a bundle takes regular files and folders only");
  });

  it("refuses a symlinked folder, top-level ones included", async () => {
    const dir = tree({ "real/a.pb.js": "a" });
    fs.symlinkSync(path.join(dir, "real"), path.join(dir, "pb_hooks"));
    await expect(planBundle(dir)).rejects.toThrow(`${path.join(dir, "pb_hooks")} is a symbolic link, not a folder.`);
    fs.rmSync(path.join(dir, "pb_hooks"));
    fs.mkdirSync(path.join(dir, "pb_public"));
    fs.symlinkSync(path.join(dir, "real"), path.join(dir, "pb_public/assets"));
    await expect(planBundle(dir)).rejects.toThrow("pb_public/assets is a symbolic link");
  });

  it("refuses other special files", async () => {
    const dir = tree({ "pb_hooks/a.pb.js": "a" });
    const net = await import("node:net");
    const server = net.createServer().listen(path.join(dir, "pb_hooks/sock"));
    await new Promise((resolve) => server.once("listening", resolve));
    try {
      await expect(planBundle(dir)).rejects.toThrow("pb_hooks/sock is a socket: a bundle takes regular files and folders only.");
    } finally {
      server.close();
    }
  });
});
