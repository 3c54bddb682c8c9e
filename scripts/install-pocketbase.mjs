#!/usr/bin/env node
// Installs the pinned PocketBase into .tools/bin/pocketbase: built from its Go module when Go is
// present (CGO off), otherwise the official release archive. POCKETBASE_BINARY_PATH skips both.
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { goInstall, hasGo, reportedVersion } from "./lib/go-tool.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const { pocketbaseVersion: version } = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8")).config;
const binDir = path.join(root, ".tools", "bin");
const target = path.join(binDir, "pocketbase");

const installedVersion = (bin) => reportedVersion(bin, ["--version"]);

function buildFromSource() {
  const ldflags = `-s -w -X github.com/pocketbase/pocketbase.Version=${version}`;
  goInstall({ tag: "pocketbase", pkg: "github.com/pocketbase/pocketbase/examples/base", version, target, ldflags });
}

async function downloadRelease() {
  const arch = { x64: "amd64", arm64: "arm64" }[process.arch];
  if (!arch || (process.platform !== "linux" && process.platform !== "darwin")) {
    throw new Error(`No PocketBase release for ${process.platform}/${process.arch}; install Go or set POCKETBASE_BINARY_PATH`);
  }
  const url = `https://github.com/pocketbase/pocketbase/releases/download/v${version}/pocketbase_${version}_${process.platform}_${arch}.zip`;
  console.log(`[pocketbase] downloading ${url}`);
  const res = await fetch(url);
  if (!res.ok) throw new Error(`Download failed: ${res.status} ${res.statusText}`);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "pb-zip-"));
  const zip = path.join(tmp, "pocketbase.zip");
  fs.writeFileSync(zip, Buffer.from(await res.arrayBuffer()));
  execFileSync("python3", ["-m", "zipfile", "-e", zip, tmp], { stdio: "inherit" });
  fs.copyFileSync(path.join(tmp, "pocketbase"), target);
  fs.rmSync(tmp, { recursive: true, force: true });
}

if (process.env.POCKETBASE_BINARY_PATH) {
  console.log(`[pocketbase] using POCKETBASE_BINARY_PATH=${process.env.POCKETBASE_BINARY_PATH}`);
} else if (installedVersion(target) === version) {
  console.log(`[pocketbase] v${version} already installed at ${path.relative(root, target)}`);
} else {
  fs.mkdirSync(binDir, { recursive: true });
  if (hasGo()) buildFromSource();
  else await downloadRelease();
  fs.chmodSync(target, 0o755);
  const got = installedVersion(target);
  if (got !== version) throw new Error(`Installed PocketBase reports ${got}, expected ${version}`);
  console.log(`[pocketbase] v${version} installed at ${path.relative(root, target)}`);
}
