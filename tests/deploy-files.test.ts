import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { execa } from "execa";
import { afterAll, describe, expect, it } from "vitest";
import { loadWebConfig } from "../lib/env";
import { loadConfig } from "../orchestrator/config";
import { repoRoot, tools } from "./support/tools";

/**
 * The files docs/deploy.md installs on a server, checked with the real tools: the systemd units by
 * `systemd-analyze verify`, the example environment files by the platform's own config loaders,
 * the Caddyfile by Caddy's adapter. (tests/edge.test.ts runs that Caddyfile in front of the platform.)
 */
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "picobase-deploy-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const deployDir = path.join(repoRoot, "deploy");
const units = fs.readdirSync(path.join(deployDir, "systemd")).filter((f) => f.endsWith(".service"));

/** Parses an EnvironmentFile the way systemd does for these simple files: KEY=value lines, # comments. */
function readEnvFile(file: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of fs.readFileSync(file, "utf8").split("\n")) {
    const match = /^([A-Z0-9_]+)=(.*)$/.exec(line.trim());
    if (match) env[match[1] as string] = match[2] as string;
  }
  return env;
}

/** The example files with what docs/deploy.md tells the operator to fill in. */
function filledEnv(): Record<string, string> {
  const common = readEnvFile(path.join(deployDir, "env/common.env"));
  const orchestrator = readEnvFile(path.join(deployDir, "env/orchestrator.env"));
  const filled = { TURSO_AUTH_TOKEN: "token", NEXTAUTH_SECRET: "n".repeat(64), ORCHESTRATOR_TOKEN: "o".repeat(64), ENCRYPTION_KEY: "e".repeat(64) };
  const storage = { R2_ACCOUNT_ID: "account", R2_ACCESS_KEY_ID: "key-id", R2_SECRET_ACCESS_KEY: "secret" };
  for (const [name, value] of Object.entries({ ...common, ...orchestrator })) {
    if (value === "" && !(name in filled) && !(name in storage)) throw new Error(`${name} is empty in the example and the docs do not fill it`);
  }
  return { ...common, ...orchestrator, ...filled, ...storage, DATA_DIR: path.join(dir, "data") };
}

describe("deploy files", () => {
  it.each(units)("%s passes systemd-analyze verify", async (unit) => {
    // The units name /opt/picobase (the clone) and /etc/picobase (the env files): point both here.
    const etc = path.join(dir, "etc");
    fs.mkdirSync(etc, { recursive: true });
    for (const f of fs.readdirSync(path.join(deployDir, "env"))) fs.copyFileSync(path.join(deployDir, "env", f), path.join(etc, f));
    let text = fs
      .readFileSync(path.join(deployDir, "systemd", unit), "utf8")
      .replaceAll("/opt/picobase", repoRoot)
      .replaceAll("/etc/picobase", etc);
    // The units run the Node 24 that scripts/install-node.mjs puts in .tools (CI installs it; a
    // plain `npm test` may not have): then the running node stands in; the pin is checked below.
    const node24 = path.join(repoRoot, ".tools/node24/bin/node");
    if (!fs.existsSync(node24)) text = text.replaceAll(node24, process.execPath);
    const copy = path.join(dir, unit);
    fs.writeFileSync(copy, text);
    for (const exec of text.matchAll(/^Exec\w+=(\S+)/gm)) expect(fs.existsSync(exec[1] as string), `${exec[1]} exists`).toBe(true);
    const result = await execa("systemd-analyze", ["verify", copy], { reject: false, all: true });
    expect(result.exitCode, result.all).toBe(0);
    // verify reports unknown keys and bad values as warnings with exit code 0: none may appear.
    expect(result.all?.split("\n").filter((l) => l.includes(unit)) ?? []).toEqual([]);
  });

  it("names the Node.js line that scripts/install-node.mjs installs", () => {
    const { config } = JSON.parse(fs.readFileSync(path.join(repoRoot, "package.json"), "utf8")) as { config: Record<string, string> };
    const nodes = units.flatMap((u) =>
      [...fs.readFileSync(path.join(deployDir, "systemd", u), "utf8").matchAll(/\/\.tools\/node(\d+)\/bin\/node/g)].map((m) => m[1]),
    );
    expect(nodes.length).toBeGreaterThan(0);
    for (const major of nodes) expect(config[`node${major}Version`], `node${major}Version pinned`).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it("the example environment configures the orchestrator for one proxy in front, on loopback, with R2", () => {
    const config = loadConfig(filledEnv() as NodeJS.ProcessEnv);
    expect(config.gateway).toMatchObject({ host: "127.0.0.1", trustedProxyHops: 1 });
    expect(config.api.host).toBe("127.0.0.1");
    expect(config.storage).toMatchObject({ driver: "s3", bucket: "picobase-instances", endpoint: "https://account.r2.cloudflarestorage.com" });
    expect(config.db.url).toMatch(/^libsql:\/\//);
  });

  it("docs/deploy.md's secret generation fills common.env with secrets the loaders accept", async () => {
    const guide = fs.readFileSync(path.join(repoRoot, "docs/deploy.md"), "utf8");
    const block = /```bash\n(\s*for name in NEXTAUTH_SECRET[\s\S]*?)```/.exec(guide)?.[1];
    expect(block, "the secrets loop in docs/deploy.md").toBeDefined();
    const etc = path.join(dir, "etc-secrets");
    fs.mkdirSync(etc, { recursive: true });
    fs.copyFileSync(path.join(deployDir, "env/common.env"), path.join(etc, "common.env"));
    await execa("bash", ["-euc", (block as string).replaceAll("/etc/picobase", etc)]);
    const env = readEnvFile(path.join(etc, "common.env"));
    for (const name of ["NEXTAUTH_SECRET", "ORCHESTRATOR_TOKEN", "ENCRYPTION_KEY"]) expect(env[name], name).toMatch(/^[0-9a-f]{64}$/);
    const config = loadWebConfig({ ...env, TURSO_AUTH_TOKEN: "token", DATA_DIR: path.join(dir, "unused") });
    expect(config.encryptionKey).toBe(env.ENCRYPTION_KEY);
  });

  it("the dashboard's part of it needs no data folder and serves https", () => {
    const env = filledEnv();
    const config = loadWebConfig({
      ...readEnvFile(path.join(deployDir, "env/common.env")),
      ...pick(env, ["TURSO_AUTH_TOKEN", "NEXTAUTH_SECRET", "ORCHESTRATOR_TOKEN", "ENCRYPTION_KEY", "DATA_DIR"]),
    });
    expect(config.nextAuthUrl).toBe("https://app.example.com");
    expect(config.trustedProxyHops).toBe(1);
    expect(fs.existsSync(env.DATA_DIR as string)).toBe(false);
  });

  it("the Caddyfile adapts with the example caddy.env", async () => {
    const env = readEnvFile(path.join(deployDir, "env/caddy.env"));
    const result = await execa(tools.caddy, ["adapt", "--config", path.join(deployDir, "Caddyfile"), "--adapter", "caddyfile"], {
      env,
      reject: false,
      all: true,
    });
    expect(result.exitCode, result.all).toBe(0);
    const config = JSON.parse(result.stdout) as { apps: { tls: { automation: { on_demand: { permission: { endpoint: string } } } } } };
    expect(config.apps.tls.automation.on_demand.permission.endpoint).toBe("http://127.0.0.1:8079/tls/ask");
  });
});

function pick(source: Record<string, string>, names: string[]): Record<string, string> {
  return Object.fromEntries(names.map((n) => [n, source[n] as string]));
}
