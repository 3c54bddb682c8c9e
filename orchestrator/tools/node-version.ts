/**
 * The oldest Node.js the orchestrator runs on, as package.json's `engines` says: node:zlib has
 * zstd (database copies) from 22.15 and 23.8; type stripping (the launcher runs its TypeScript with
 * Node alone) came earlier. Checked first thing in main.ts, so an older Node fails there, saying so.
 */
export const MINIMUM_NODE = { major: 22, minor: 15 } as const;
const ZSTD_SINCE_23 = 8;

/** Throws, naming the versions PicoBase needs, when `version` is older than it supports. */
export function assertSupportedNode(version = process.versions.node): { major: number; minor: number } {
  const [major = 0, minor = 0] = version.split(".").map(Number);
  const tooOld = major < MINIMUM_NODE.major || (major === MINIMUM_NODE.major && minor < MINIMUM_NODE.minor) || (major === 23 && minor < ZSTD_SINCE_23);
  if (tooOld) throw new Error(`PicoBase needs Node.js ${MINIMUM_NODE.major}.${MINIMUM_NODE.minor} or later, or 24 (this is ${version}): see the README`);
  return { major, minor };
}
