#!/usr/bin/env node
// Proves that `npm ci` installs from the committed package-lock.json on every platform we deploy to
// (CI runs it before installing). Three checks, all offline, a few seconds in total:
//   1. the lockfile records exactly the dependencies and engines of package.json and each workspace;
//   2. every dependency of every locked package (optional ones included: other platforms' native
//      binaries such as @next/swc-*, lightningcss-*, @libsql/*) has a locked entry;
//   3. npm's own verdict: `npm ci --dry-run` for each platform below, in a scratch copy with an empty
//      cache and --offline, so nothing can be fetched to paper over a gap. --strict-allow-scripts
//      also fails on a dependency install script not yet reviewed in package.json "allowScripts".
import { execFile } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const PLATFORMS = [
  ["linux", "x64", "glibc"],
  ["linux", "arm64", "glibc"],
  ["linux", "x64", "musl"],
  ["linux", "arm64", "musl"],
  ["darwin", "x64"],
  ["darwin", "arm64"],
  ["win32", "x64"],
];
const SYNCED_FIELDS = ["dependencies", "devDependencies", "optionalDependencies", "peerDependencies", "engines"];

const readJson = (file) => JSON.parse(fs.readFileSync(path.join(root, file), "utf8"));

/** Workspace folders ("cli") named by package.json. */
const workspaceDirs = (pkg) => (pkg.workspaces ?? []).map((w) => w.replace(/\/$/, ""));

/** Differences between a package.json and its lockfile entry (packages[""] or packages["<workspace>"]). */
function syncProblems(where, manifest, entry) {
  if (!entry) return [`${where}: no entry in package-lock.json`];
  const canon = (value) => JSON.stringify(Object.entries(value ?? {}).sort(([a], [b]) => a.localeCompare(b)));
  return SYNCED_FIELDS.filter((field) => canon(manifest[field]) !== canon(entry[field])).map(
    (field) => `${where}: "${field}" differs from package-lock.json (run npm install)`,
  );
}

/** The entry key Node's lookup finds for `name` required from the package at `from` (null: none). */
function locate(packages, from, name) {
  for (let base = from; ;) {
    const key = `${base ? `${base}/` : ""}node_modules/${name}`;
    if (packages[key]) return key;
    if (!base) return null;
    const cut = base.lastIndexOf("/node_modules/");
    base = cut < 0 ? "" : base.slice(0, cut);
  }
}

/** Dependencies (optional ones included) of locked packages that have no locked entry. */
function missingEntries(packages) {
  const missing = [];
  for (const [key, entry] of Object.entries(packages)) {
    if (entry.link) continue;
    const required = Object.keys(entry.peerDependencies ?? {}).filter((name) => !entry.peerDependenciesMeta?.[name]?.optional);
    for (const name of [...Object.keys({ ...entry.dependencies, ...entry.optionalDependencies }), ...required]) {
      if (!locate(packages, key, name)) missing.push(`${key || "(root)"} needs ${name}: no entry in package-lock.json`);
    }
  }
  return missing;
}

/**
 * A scratch copy of what `npm ci` reads: package.json, the lockfile, each workspace's package.json.
 * The project's own "scripts" are left out: `npm ci --dry-run` would run its postinstall.
 */
function scratchCopy(workspaces) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "check-lockfile-"));
  fs.copyFileSync(path.join(root, "package-lock.json"), path.join(dir, "package-lock.json"));
  for (const file of ["package.json", ...workspaces.map((w) => path.join(w, "package.json"))]) {
    const manifest = readJson(file);
    delete manifest.scripts;
    fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    fs.writeFileSync(path.join(dir, file), JSON.stringify(manifest));
  }
  return dir;
}

/** `npm ci --dry-run` for one platform; resolves to null when it passes, else npm's error lines. */
async function npmCiDryRun(dir, [osName, cpu, libc]) {
  const args = [
    "ci",
    "--dry-run",
    "--offline",
    "--strict-allow-scripts",
    "--no-audit",
    "--no-fund",
    `--cache=${path.join(dir, `.cache-${osName}-${cpu}-${libc}`)}`,
  ];
  args.push(`--os=${osName}`, `--cpu=${cpu}`, ...(libc ? [`--libc=${libc}`] : []));
  try {
    await promisify(execFile)("npm", args, { cwd: dir, maxBuffer: 64 * 1024 * 1024, env: { ...process.env, npm_config_loglevel: "error" } });
    return null;
  } catch (err) {
    const lines = String(err.stderr ?? err.message).split("\n");
    return lines.filter((l) => /^npm error ./.test(l) && !/A complete log/.test(l)).slice(0, 40);
  }
}

const pkg = readJson("package.json");
const lock = readJson("package-lock.json");
const workspaces = workspaceDirs(pkg);
const problems = [
  ...syncProblems("package.json", pkg, lock.packages[""]),
  ...workspaces.flatMap((w) => syncProblems(`${w}/package.json`, readJson(`${w}/package.json`), lock.packages[w])),
  ...missingEntries(lock.packages),
];
for (const p of problems.slice(0, 20)) console.log(`[lockfile] ${p}`);
if (problems.length > 20) console.log(`[lockfile] … and ${problems.length - 20} more`);

const dir = scratchCopy(workspaces);
let failed = problems.length > 0;
let shown = "";
try {
  const verdicts = await Promise.all(PLATFORMS.map((platform) => npmCiDryRun(dir, platform))); // ~1 s each, side by side
  for (const [i, errors] of verdicts.entries()) {
    console.log(`[lockfile] npm ci on ${PLATFORMS[i]?.join("/")}: ${errors ? "FAILS" : "ok"}`);
    const text = (errors ?? []).map((line) => `  ${line}`).join("\n");
    if (text) console.log(text === shown ? "  (the same errors as above)" : text);
    shown = text || shown;
    failed ||= errors !== null;
  }
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}
if (failed) {
  console.error("[lockfile] package-lock.json would not install everywhere: run `npm install` (never with --os/--cpu) and commit it");
  process.exit(1);
}
