import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { assertSupportedNode, MINIMUM_NODE } from "./node-version";

describe("assertSupportedNode", () => {
  it.each(["22.15.0", "22.23.3", "23.8.0", "24.0.0", "24.21.0"])("accepts Node %s", (version) => {
    expect(() => assertSupportedNode(version)).not.toThrow();
  });

  it.each(["20.20.2", "22.13.0", "22.14.9", "23.7.0"])("refuses Node %s, naming the versions it needs", (version) => {
    expect(() => assertSupportedNode(version)).toThrow(`PicoBase needs Node.js 22.15 or later, or 24 (this is ${version}): see the README`);
  });

  it("is what package.json's engines ask for", () => {
    const pkg = JSON.parse(fs.readFileSync(path.resolve(import.meta.dirname, "../../package.json"), "utf8")) as { engines: { node: string } };
    expect(pkg.engines.node).toBe(`^${MINIMUM_NODE.major}.${MINIMUM_NODE.minor} || ^24`);
  });
});
