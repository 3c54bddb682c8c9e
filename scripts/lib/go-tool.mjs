// Builds a pinned tool from its Go module into .tools/bin, the way every Go tool of the project is
// installed (PocketBase, Litestream, versitygw): CGO off, trimmed paths, module mode.
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

/** True when a `go` toolchain is on the PATH. */
export function hasGo() {
  try {
    execFileSync("go", ["version"], { stdio: "ignore" });
    return true;
  } catch {
    return false; // Go is optional for some tools (they have a release archive to fall back on)
  }
}

/**
 * `go install <pkg>@v<version>` into a temporary GOBIN, then copies the binary (named after the
 * package's last path segment) to `target`. `ldflags` are passed through.
 */
export function goInstall({ tag, pkg, version, target, ldflags }) {
  const gobin = fs.mkdtempSync(path.join(os.tmpdir(), `${tag}-build-`));
  console.log(`[${tag}] building v${version} from its Go module (a minute or two)…`);
  const args = ["install", "-trimpath", ...(ldflags ? ["-ldflags", ldflags] : []), `${pkg}@v${version}`];
  try {
    execFileSync("go", args, { stdio: "inherit", env: { ...process.env, CGO_ENABLED: "0", GOBIN: gobin, GOFLAGS: "-mod=mod" } });
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.copyFileSync(path.join(gobin, path.basename(pkg)), target);
    fs.chmodSync(target, 0o755);
  } finally {
    fs.rmSync(gobin, { recursive: true, force: true });
  }
}

/**
 * The version `bin <args>` prints (its first "1.2.3" or "v1.2.3" word, without the "v"), or null when
 * it is missing or does not run. Tools print it in different places: "pocketbase version 0.39.11",
 * "v0.5.16", "v2.11.9 h1:…".
 */
export function reportedVersion(bin, args) {
  let out;
  try {
    out = execFileSync(bin, args, { encoding: "utf8" });
  } catch {
    return null; // not installed yet, or not runnable: either way it needs (re)installing
  }
  const word = out.split(/\s+/).find((w) => /^v?\d+\.\d+\.\d+/.test(w));
  return word ? word.replace(/^v/, "") : null;
}
