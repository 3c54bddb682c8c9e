// `npm start`: the whole platform on embedded defaults — orchestrator (gateway + internal API)
// and the Next.js dashboard. Builds the dashboard on first run. `--dev` runs `next dev` instead.
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { execa, type ResultPromise } from "execa";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

const dev = process.argv.includes("--dev");
const nextBin = path.join(repoRoot, "node_modules/next/dist/bin/next");

if (!process.env.POCKETBASE_BINARY_PATH && !fs.existsSync(path.join(repoRoot, ".tools/bin/pocketbase"))) {
  execFileSync("node", ["scripts/install-pocketbase.mjs"], { cwd: repoRoot, stdio: "inherit" });
}
if (!dev && !fs.existsSync(path.join(repoRoot, ".next/BUILD_ID"))) {
  console.log("[start] building the dashboard (first run only)…");
  execFileSync("node", [nextBin, "build"], { cwd: repoRoot, stdio: "inherit" });
}

const children: ResultPromise[] = [];
const run = (name: string, file: string, args: string[]) => {
  const child = execa(file, args, { cwd: repoRoot, stdout: "inherit", stderr: "inherit", reject: false });
  children.push(child);
  void child.then((result) => {
    console.log(`[start] ${name} exited (${result.exitCode ?? result.signal}); stopping the platform`);
    stopAll();
  });
};

let stopping = false;
function stopAll(): void {
  if (stopping) return;
  stopping = true;
  for (const child of children) child.kill("SIGTERM");
}
process.on("SIGINT", stopAll);
process.on("SIGTERM", stopAll);

run("orchestrator", "node", ["--import", "tsx", "orchestrator/main.ts"]);
run("web", "node", [nextBin, dev ? "dev" : "start", "--port", process.env.PORT ?? "3000"]);
console.log(`[start] dashboard on http://localhost:${process.env.PORT ?? "3000"}; instances on http://<subdomain>.localhost:${process.env.GATEWAY_PORT ?? "8080"}`);
