#!/usr/bin/env node
// Installs the pinned Litestream (continuous SQLite replication, one process per node) into
// .tools/bin/litestream, built from its Go module (needs Go >= 1.25). LITESTREAM_BINARY_PATH skips it.
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { goInstall, hasGo, reportedVersion } from "./lib/go-tool.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const { litestreamVersion: version } = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8")).config;
const target = path.join(root, ".tools", "bin", "litestream");

if (process.env.LITESTREAM_BINARY_PATH) {
  console.log(`[litestream] using LITESTREAM_BINARY_PATH=${process.env.LITESTREAM_BINARY_PATH}`);
} else if (reportedVersion(target, ["version"]) === version) {
  console.log(`[litestream] v${version} already installed at ${path.relative(root, target)}`);
} else if (!hasGo()) {
  console.warn(`[litestream] Go (>= 1.25) is needed to build Litestream v${version}; without it instances are only snapshotted (see docs/architecture.md)`);
} else {
  goInstall({ tag: "litestream", pkg: "github.com/benbjohnson/litestream/cmd/litestream", version, target });
  const got = reportedVersion(target, ["version"]);
  if (got !== version) throw new Error(`Installed Litestream reports ${got}, expected ${version}`);
  console.log(`[litestream] v${version} installed at ${path.relative(root, target)}`);
}
