import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { procStatFields, readProcFile } from "./proc-files";

describe("procStatFields", () => {
  it("reads the fields after a command name that itself contains ') ', and nothing of a process that is gone", async () => {
    // A tenant names its own processes: a copy of sleep called "x) S 1 2" would shift a naive split.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "proc-files-"));
    const binary = path.join(dir, "x) S 1 2");
    fs.copyFileSync("/bin/sleep", binary);
    fs.chmodSync(binary, 0o755);
    const child = spawn(binary, ["30"], { stdio: "ignore" });
    try {
      const fields = await procStatFields(child.pid ?? -1);
      expect(fields?.[0]).toMatch(/^[RS]$/);
      expect(Number(fields?.[1])).toBe(process.pid);
      expect(Number(fields?.[19])).toBeGreaterThan(0);
    } finally {
      child.kill("SIGKILL");
      await new Promise((resolve) => child.once("exit", resolve));
      fs.rmSync(dir, { recursive: true, force: true });
    }
    expect(await procStatFields(child.pid ?? -1)).toBeUndefined();
    expect(await readProcFile(child.pid ?? -1, "cmdline")).toBeUndefined();
  });
});
