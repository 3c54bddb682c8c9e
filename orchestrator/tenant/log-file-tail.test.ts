import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { logFileTail } from "./log-file-tail";

describe("logFileTail", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tail-"));

  it("returns the last lines", async () => {
    const file = path.join(dir, "a.log");
    fs.writeFileSync(file, "one\ntwo\nthree\n");
    expect(await logFileTail(file, 2)).toEqual(["two", "three"]);
  });

  it("drops a cut first line when reading only the end", async () => {
    const file = path.join(dir, "b.log");
    fs.writeFileSync(file, "aaaaaaaaaa\nbb\ncc\n");
    expect(await logFileTail(file, 10, 7)).toEqual(["bb", "cc"].slice(-2));
  });

  it("is empty for a missing file", async () => {
    expect(await logFileTail(path.join(dir, "none.log"), 5)).toEqual([]);
  });
});
