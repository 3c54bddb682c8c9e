import type { KnipConfig } from "knip";

// Unused files, exports and dependencies (`npm run knip`, run in CI). Next.js pages and routes,
// the package scripts, vitest's test files and the CLI's bin are found by knip's plugins.
const config: KnipConfig = {
  workspaces: {
    ".": {
      entry: ["scripts/*.{ts,mjs}", "bench/*.ts", "tests/**/*.ts"],
      // System tools the scripts, tests, benchmarks and the orchestrator run (apt packages and the Go toolchain), not npm packages.
      ignoreBinaries: [
        "apt-get",
        "blkid",
        "dpkg-query",
        "go",
        "findmnt",
        "ip",
        "losetup",
        "mkfifo",
        "mount",
        "nft",
        "sqlite3",
        "systemd-analyze",
        "umount",
        "wrk",
      ],
      // bench/load.ts loads it lazily through createRequire, which knip does not follow.
      ignoreDependencies: ["autocannon"],
      // PocketBase hooks and migrations, run by PocketBase's own JavaScript engine rather than imported.
      ignoreFiles: ["templates/**"],
    },
    cli: {
      entry: ["src/main.ts"],
    },
  },
};

export default config;
