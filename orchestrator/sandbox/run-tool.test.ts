import { describe, expect, it } from "vitest";
import { runTool } from "./run-tool";

describe("runTool", () => {
  it("resolves when the tool exits 0", async () => {
    await expect(runTool("sh", ["-c", "exit 0"])).resolves.toBeUndefined();
  });

  it("throws with the command and its output (stdout and stderr) on any other code", async () => {
    await expect(runTool("sh", ["-c", "echo out; echo err >&2; exit 3"])).rejects.toThrow(/^sh -c .* failed: out\nerr$/);
  });

  it("takes the codes it is told are fine", async () => {
    await expect(runTool("sh", ["-c", "exit 1"], { okCodes: [0, 1] })).resolves.toBeUndefined();
    await expect(runTool("sh", ["-c", "exit 2"], { okCodes: [0, 1] })).rejects.toThrow(/failed/);
  });

  it("writes its input to the tool's stdin", async () => {
    await expect(runTool("sh", ["-c", 'test "$(cat)" = "line one"'], { input: "line one\n" })).resolves.toBeUndefined();
    await expect(runTool("sh", ["-c", 'test "$(cat)" = "line one"'], { input: "other\n" })).rejects.toThrow(/failed/);
  });

  it("kills a tool that outlives its timeout, and says so", async () => {
    const started = Date.now();
    await expect(runTool("sleep", ["10"], { timeoutMs: 100 })).rejects.toThrow(/^sleep 10 timed out after 100 ms/);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it("throws when the tool does not exist", async () => {
    await expect(runTool("/nonexistent/tool", [])).rejects.toThrow(/\/nonexistent\/tool/);
  });
});
