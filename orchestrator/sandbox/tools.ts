import fs from "node:fs/promises";
import path from "node:path";

/** Absolute paths of the host tools the sandbox runs. */
export type SandboxTools = { bwrap: string; nsenter: string; setpriv: string; ip: string; nft: string };

const SEARCH = ["/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"];
/** The Debian package that ships each tool (installed by scripts/install-system-packages.mjs). */
const PACKAGES: Record<keyof SandboxTools, string> = {
  bwrap: "bubblewrap",
  nsenter: "util-linux",
  setpriv: "util-linux",
  ip: "iproute2",
  nft: "nftables",
};

/** Finds every tool, or says which package is missing. */
export async function findTools(): Promise<SandboxTools | string> {
  const found: Partial<SandboxTools> = {};
  for (const name of Object.keys(PACKAGES) as Array<keyof SandboxTools>) {
    const hit = await which(name);
    if (!hit) return `${name} is not installed (Debian package ${PACKAGES[name]})`;
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
