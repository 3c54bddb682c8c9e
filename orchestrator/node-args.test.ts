import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { ORCHESTRATOR_NODE_ARGS } from "./node-args";

const repoRoot = path.resolve(import.meta.dirname, "..");
const line = ORCHESTRATOR_NODE_ARGS.join(" ");

describe("the orchestrator's Node arguments", () => {
  it("are the systemd unit's", () => {
    const unit = fs.readFileSync(path.join(repoRoot, "deploy/systemd/picobase-orchestrator.service"), "utf8");
    const execStart = unit.split("\n").find((l) => l.startsWith("ExecStart="));
    expect(execStart).toBe(`ExecStart=/opt/picobase/.tools/node24/bin/node ${line}`);
  });

  it("are package.json's orchestrator script", () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(repoRoot, "package.json"), "utf8")) as { scripts: Record<string, string> };
    expect(pkg.scripts.orchestrator).toBe(`node ${line}`);
  });
});
