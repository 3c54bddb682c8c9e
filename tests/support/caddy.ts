import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import { execa, type ResultPromise } from "execa";
import getPort from "get-port";
import { repoRoot, tools } from "./tools";
import { waitFor } from "./wait";

/** A real Caddy running the repository's deploy/Caddyfile, with certificates from its own local CA. */
export type CaddyHandle = {
  httpsPort: number;
  httpPort: number;
  /** PEM of the local CA's root: a client trusting only it proves Caddy served a real certificate for the name. */
  rootCa: string;
  logFile: string;
  dispose: () => Promise<void>;
};

export type CaddyPorts = { httpPort: number; httpsPort: number };

/** Free ports for Caddy, picked before the platform starts (its public URLs name the HTTPS port). */
export async function caddyPorts(): Promise<CaddyPorts> {
  return { httpPort: await getPort(), httpsPort: await getPort() };
}

/**
 * Starts `caddy run` on deploy/Caddyfile exactly as shipped; only the global options a test needs
 * come in through its CADDY_ADMIN and CADDY_GLOBAL_OPTIONS hooks: free ports, no admin endpoint, certificates from
 * Caddy's internal CA instead of Let's Encrypt (never installed into the system's trust store),
 * and storage in `dir`.
 */
export async function startCaddy(opts: {
  dir: string;
  ports: CaddyPorts;
  appHost: string;
  orchestratorPort: number;
  dashboardPort: number;
  gatewayPort: number;
}): Promise<CaddyHandle> {
  const { httpPort, httpsPort } = opts.ports;
  const storage = path.join(opts.dir, "caddy");
  fs.mkdirSync(storage, { recursive: true });
  const logFile = path.join(opts.dir, "caddy.log");
  const globals = [
    "persist_config off",
    `http_port ${httpPort}`,
    `https_port ${httpsPort}`,
    "local_certs",
    "skip_install_trust",
    `storage file_system ${storage}`,
  ];
  const child: ResultPromise = execa(tools.caddy, ["run", "--config", path.join(repoRoot, "deploy/Caddyfile"), "--adapter", "caddyfile"], {
    env: {
      HOME: opts.dir,
      XDG_CONFIG_HOME: path.join(opts.dir, "config"),
      XDG_DATA_HOME: path.join(opts.dir, "data"),
      APP_HOST: opts.appHost,
      ACME_EMAIL: "ops@example.test",
      ORCHESTRATOR_PORT: String(opts.orchestratorPort),
      DASHBOARD_PORT: String(opts.dashboardPort),
      GATEWAY_PORT: String(opts.gatewayPort),
      CADDY_ADMIN: "off",
      CADDY_GLOBAL_OPTIONS: globals.join("\n"),
      CADDY_SITES_DIR: path.join(opts.dir, "caddy.d"),
    },
    extendEnv: false,
    stdin: "ignore",
    stdout: { file: logFile },
    stderr: { file: logFile },
    reject: false,
  });
  const exited = child.then(() => {
    throw new Error(`caddy exited; log:\n${fs.readFileSync(logFile, "utf8").slice(-3000)}`);
  });
  exited.catch(() => undefined); // only awaited through the race below
  const rootFile = path.join(storage, "pki/authorities/local/root.crt");
  await Promise.race([
    waitFor("caddy", async () => ((await listening(httpsPort)) && fs.existsSync(rootFile) ? true : undefined), { timeoutMs: 30_000 }),
    exited,
  ]);
  return {
    httpsPort,
    httpPort,
    rootCa: fs.readFileSync(rootFile, "utf8"),
    logFile,
    async dispose() {
      if (child.exitCode === null) {
        child.kill("SIGTERM");
        await child;
      }
    },
  };
}

function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, "127.0.0.1");
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}
