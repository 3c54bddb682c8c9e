import path from "node:path";
import { fileURLToPath } from "node:url";

/** Repository root, for locating binaries and entry points from tests and benchmarks. */
export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

/** Binaries installed by scripts/install-pocketbase.mjs, install-go-tools.mjs and install-test-tools.mjs. */
export const tools = {
  pocketbase: process.env.POCKETBASE_BINARY_PATH ?? path.join(repoRoot, ".tools/bin/pocketbase"),
  litestream: process.env.LITESTREAM_BINARY_PATH ?? path.join(repoRoot, ".tools/bin/litestream"),
  caddy: process.env.CADDY_BINARY_PATH ?? path.join(repoRoot, ".tools/bin/caddy"),
  sqld: path.join(repoRoot, ".tools/bin/sqld"),
  versitygw: path.join(repoRoot, ".tools/bin/versitygw"),
  mailpit: path.join(repoRoot, ".tools/bin/mailpit"),
  chromium: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
};
