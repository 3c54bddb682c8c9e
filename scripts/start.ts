// `npm start`: the whole platform on embedded defaults — orchestrator (gateway + internal API)
// and the Next.js dashboard. Builds the dashboard on first run. `--dev` runs `next dev` instead.
// A crashed orchestrator is restarted with backoff (its reconciler brings tenants back) while the
// dashboard keeps serving; only a crash loop, or the dashboard exiting, stops the platform.
// The orchestrator raises its own open-file limit at startup (orchestrator/tools/fd-limit.ts).
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { execa, type ResultPromise } from "execa";
import { ORCHESTRATOR_NODE_ARGS } from "../orchestrator/node-args";
import { keepRestarting, type RestartPolicy } from "../orchestrator/tools/restart-loop";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

const dev = process.argv.includes("--dev");
const nextBin = path.join(repoRoot, "node_modules/next/dist/bin/next");
/** 1 s, 2 s, 4 s … 30 s between restarts; more than 5 crashes in 10 minutes is a crash loop. */
const ORCHESTRATOR_RESTARTS: RestartPolicy = { initialDelayMs: 1_000, maxDelayMs: 30_000, maxRestarts: 5, windowMs: 600_000 };

if (!process.env.POCKETBASE_BINARY_PATH && !fs.existsSync(path.join(repoRoot, ".tools/bin/pocketbase"))) {
  execFileSync("node", ["scripts/install-pocketbase.mjs"], { cwd: repoRoot, stdio: "inherit" });
}
if (!dev && !fs.existsSync(path.join(repoRoot, ".next/BUILD_ID"))) {
  console.log("[start] building the dashboard (first run only)…");
  execFileSync("node", [nextBin, "build"], { cwd: repoRoot, stdio: "inherit" });
}

const running = new Set<ResultPromise>();
const stopping = new AbortController();

const spawn = (file: string, args: string[]): ResultPromise => {
  const child = execa(file, args, { cwd: repoRoot, stdout: "inherit", stderr: "inherit", reject: false });
  running.add(child);
  void child.finally(() => running.delete(child));
  return child;
};

function stopAll(): void {
  if (stopping.signal.aborted) return;
  stopping.abort();
  for (const child of running) child.kill("SIGTERM");
}
process.on("SIGINT", stopAll);
process.on("SIGTERM", stopAll);

void keepRestarting({
  spawn: async () => {
    const result = await spawn("node", [...ORCHESTRATOR_NODE_ARGS]);
    return { code: result.exitCode ?? null, signal: result.signal ?? null };
  },
  policy: ORCHESTRATOR_RESTARTS,
  signal: stopping.signal,
  onExit: (exit, restartInMs) =>
    console.log(
      restartInMs === null
        ? `[start] orchestrator exited (${exit.code ?? exit.signal}) too often; stopping the platform`
        : `[start] orchestrator exited (${exit.code ?? exit.signal}); restarting in ${restartInMs / 1000} s`,
    ),
}).then((outcome) => {
  if (outcome === "gave-up") {
    process.exitCode = 1;
    stopAll();
  }
});

void spawn("node", [nextBin, dev ? "dev" : "start", "--port", process.env.PORT ?? "3000"]).then((result) => {
  console.log(`[start] web exited (${result.exitCode ?? result.signal}); stopping the platform`);
  if (!stopping.signal.aborted) process.exitCode = 1;
  stopAll();
});

console.log(
  `[start] dashboard on http://localhost:${process.env.PORT ?? "3000"}; instances on http://<subdomain>.localhost:${process.env.GATEWAY_PORT ?? "8080"}`,
);
