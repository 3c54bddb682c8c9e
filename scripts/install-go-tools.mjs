#!/usr/bin/env node
// Installs the pinned Go tools the platform runs beside PocketBase into .tools/bin, each built from
// its Go module (needs Go >= 1.25), versions pinned in package.json "config":
//   - litestream: continuous replication of every running tenant's database (one process per node);
//   - caddy: the supported HTTPS front (certificates, on-demand TLS for custom domains; deploy/Caddyfile).
// Both are optional for `npm start` on a laptop: without Go they are skipped with a warning. Setting
// <NAME>_BINARY_PATH uses an existing binary instead (e.g. Debian's caddy package).
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { goInstall, hasGo, reportedVersion } from "./lib/go-tool.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const { config } = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8"));

const tools = [
  {
    name: "litestream",
    pkg: "github.com/benbjohnson/litestream/cmd/litestream",
    version: config.litestreamVersion,
    versionArgs: ["version"],
    withoutIt: "instances are only snapshotted (see docs/architecture.md)",
  },
  {
    name: "caddy",
    pkg: "github.com/caddyserver/caddy/v2/cmd/caddy",
    version: config.caddyVersion,
    versionArgs: ["build-info"], // `caddy version` says "unknown" when built with go install; its module line has it
    withoutIt: "serve HTTPS with a Caddy you install yourself (see docs/deploy.md)",
  },
];

for (const { name, pkg, version, versionArgs, withoutIt } of tools) {
  const envVar = `${name.toUpperCase()}_BINARY_PATH`;
  const target = path.join(root, ".tools", "bin", name);
  const where = path.relative(root, target);
  if (process.env[envVar]) {
    console.log(`[${name}] using ${envVar}=${process.env[envVar]}`);
  } else if (reportedVersion(target, versionArgs) === version) {
    console.log(`[${name}] v${version} already installed at ${where}`);
  } else if (!hasGo()) {
    console.warn(`[${name}] Go (>= 1.25) is needed to build v${version}; without it ${withoutIt}`);
  } else {
    goInstall({ tag: name, pkg, version, target });
    const got = reportedVersion(target, versionArgs);
    if (got !== version) throw new Error(`Installed ${name} reports ${got}, expected ${version}`);
    console.log(`[${name}] v${version} installed at ${where}`);
  }
}
