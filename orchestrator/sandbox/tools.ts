import fs from "node:fs/promises";
import path from "node:path";

/** Absolute paths of the host tools the sandbox runs. */
export type SandboxTools = { bwrap: string; nsenter: string; setpriv: string; ip: string; nft: string; mkfs: string };

const SEARCH = ["/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"];
/** The Debian package that ships each tool (installed by scripts/install-system-packages.mjs). */
const NAMES: Record<keyof SandboxTools, string> = { bwrap: "bwrap", nsenter: "nsenter", setpriv: "setpriv", ip: "ip", nft: "nft", mkfs: "mkfs.ext4" };
const PACKAGES: Record<keyof SandboxTools, string> = {
  bwrap: "bubblewrap",
  nsenter: "util-linux",
  setpriv: "util-linux",
  ip: "iproute2",
  nft: "nftables",
  mkfs: "e2fsprogs",
};

/** Finds every tool, or says which package is missing. */
export async function findTools(): Promise<SandboxTools | string> {
  const found: Partial<SandboxTools> = {};
  for (const name of Object.keys(PACKAGES) as Array<keyof SandboxTools>) {
    const hit = await which(NAMES[name]);
    if (!hit) return `${NAMES[name]} is not installed (Debian package ${PACKAGES[name]})`;
    found[name] = hit;
  }
  return found as SandboxTools;
}

async function which(name: string): Promise<string | undefined> {
  for (const dir of SEARCH) {
    const candidate = path.join(dir, name);
    const ok = await fs.access(candidate, fs.constants.X_OK).then(
      () => true,
      () => false,
    );
    if (ok) return candidate;
  }
  return undefined;
}
