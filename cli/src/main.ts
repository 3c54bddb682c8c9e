// The `picobase` entry point: the one place that reads the process (env, streams, argv, exit code).
import type { CliContext } from "./context";
import { readCliEnv } from "./env";
import { run } from "./run";

// A reader that goes away (`picobase logs | head`) is not a failure.
process.stdout.on("error", (err: NodeJS.ErrnoException) => {
  if (err.code !== "EPIPE") throw err;
  process.exit(process.exitCode ?? 0);
});

const ctx: CliContext = {
  env: readCliEnv(process.env),
  io: { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr },
  fetch: globalThis.fetch,
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  now: () => Date.now(),
  platform: process.platform,
};

process.exitCode = await run(process.argv.slice(2), ctx);
