import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { createTenantLog } from "./tenant-log";

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

function tempFile(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "picobase-log-"));
  dirs.push(dir);
  return path.join(dir, "meta", "pocketbase.log");
}

describe("tenant log", () => {
  it("keeps a tail in memory and appends every line to the file", () => {
    const file = tempFile();
    const log = createTenantLog({
      file,
      ringLines: 2,
      onError: (err) => {
        throw err;
      },
    });
    log.write("one");
    log.write("two");
    log.note("restarted");
    log.close();
    expect(log.tail(10)).toEqual(["two", "[picobase] restarted"]);
    const lines = fs.readFileSync(file, "utf8").trim().split("\n");
    expect(lines.map((l) => l.slice(l.indexOf(" ") + 1))).toEqual(["one", "two", "[picobase] restarted"]);
  });

  it("rotates the file past the size cap", () => {
    const file = tempFile();
    const log = createTenantLog({
      file,
      maxFileBytes: 200,
      onError: (err) => {
        throw err;
      },
    });
    for (let i = 0; i < 20; i++) log.write(`line ${i} ${"x".repeat(20)}`);
    log.close();
    expect(fs.statSync(file).size).toBeLessThanOrEqual(200);
    expect(fs.statSync(`${file}.1`).size).toBeLessThanOrEqual(200);
    expect(fs.readFileSync(file, "utf8")).toContain("line 19");
  });
});
