import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Readable } from "node:stream";
import { afterEach, describe, expect, it } from "vitest";
import { PayloadTooLargeError } from "../../lib/errors";
import type { BundleEntry } from "../deploys/read-bundle";
import { extractImport, InvalidImportError } from "./import-archive";

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});
const tempDir = () => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), "import-test-"));
  dirs.push(d);
  return d;
};

const file = (p: string, bytes: Buffer | string): BundleEntry => {
  const body = Buffer.from(bytes);
  return { path: p, kind: "file", mode: 0o644, size: body.length, body: Readable.from([body]) as unknown as BundleEntry["body"] };
};
async function* entries(list: BundleEntry[]) {
  yield* list;
}

describe("extractImport", () => {
  it("takes a PocketBase data folder (at the top or under pb_data/) and skips the rest", async () => {
    const into = tempDir();
    const got = await extractImport(
      entries([file("pb_data/data.db", "db"), file("pb_data/storage/c/r/a.txt", "a"), file("pb_data/types.d.ts", "types"), file("pb_hooks/x.js", "x")]),
      into,
      { maxBytes: 1000, maxFiles: 10 },
    );
    expect(got).toMatchObject({ files: 2, databases: ["data.db"], skipped: ["types.d.ts", "pb_hooks/x.js"] });
    expect(fs.readFileSync(path.join(into, "storage/c/r/a.txt"), "utf8")).toBe("a");
    expect(fs.existsSync(path.join(into, "types.d.ts"))).toBe(false);
  });

  it("counts skipped entries against the size and entry limits (they are inflated to read past them)", async () => {
    const big = Buffer.alloc(2000);
    await expect(extractImport(entries([file("data.db", "db"), file("backups/huge.zip", big)]), tempDir(), { maxBytes: 1000, maxFiles: 10 })).rejects.toThrow(
      PayloadTooLargeError,
    );
    const many = Array.from({ length: 20 }, (_, i) => file(`junk/${i}`, "x"));
    await expect(extractImport(entries([file("data.db", "db"), ...many]), tempDir(), { maxBytes: 1000, maxFiles: 10 })).rejects.toThrow(InvalidImportError);
  });

  it("refuses an archive without data.db, links, and paths that leave the folder", async () => {
    const limits = { maxBytes: 1000, maxFiles: 10 };
    await expect(extractImport(entries([file("storage/a", "a")]), tempDir(), limits)).rejects.toThrow(/no data.db/);
    const link: BundleEntry = { path: "data.db", kind: "symlink", mode: 0o777, size: 0, body: null };
    await expect(extractImport(entries([link]), tempDir(), limits)).rejects.toThrow(/link/);
    await expect(extractImport(entries([file("../data.db", "x")]), tempDir(), limits)).rejects.toThrow(/leads out/);
  });
});
