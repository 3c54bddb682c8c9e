// Installs Debian packages the platform or its tests need, when missing and we may use apt-get.
import { execFileSync, spawnSync } from "node:child_process";
import fs from "node:fs";

/** What the tenant sandbox runs: see scripts/install-system-packages.mjs. */
export const SANDBOX_PACKAGES = ["bubblewrap", "nftables", "iproute2", "util-linux", "sqlite3", "e2fsprogs"];

/** True when dpkg reports the package installed. */
function isInstalled(pkg) {
  const result = spawnSync("dpkg-query", ["-W", "-f=${Status}", pkg], { encoding: "utf8" });
  return result.status === 0 && result.stdout.includes("install ok installed");
}

/**
 * Installs the missing ones of `packages` with apt-get (root only, one `apt-get update` first).
 * Without root or apt-get it prints what to install and returns false.
 */
export function ensureDebianPackages(packages, { tag, why }) {
  if (!fs.existsSync("/usr/bin/dpkg-query")) {
    console.warn(`[${tag}] not a Debian-based system: install ${packages.join(", ")} (${why}) with your package manager`);
    return false;
  }
  const missing = packages.filter((pkg) => !isInstalled(pkg));
  if (missing.length === 0) return true;
  if (process.getuid?.() !== 0 || !fs.existsSync("/usr/bin/apt-get")) {
    console.warn(`[${tag}] missing Debian packages ${missing.join(", ")} (${why}); install them as root: apt-get install ${missing.join(" ")}`);
    return false;
  }
  console.log(`[${tag}] installing Debian packages ${missing.join(", ")} (${why})…`);
  const apt = (args) => execFileSync("apt-get", args, { stdio: "inherit", env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" } });
  apt(["update", "-qq"]);
  apt(["install", "-y", "-qq", "--no-install-recommends", ...missing]);
  return true;
}
