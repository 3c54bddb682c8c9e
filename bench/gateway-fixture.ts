/**
 * What the gateway benchmarks share: a real PocketBase on loopback (with a platform-like
 * superuser), and the real gateway in its own Node process (as in the orchestrator, so it never
 * shares an event loop with the load generator), routing `bench.localhost` to that PocketBase.
 * Run as `tsx bench/gateway-fixture.ts --serve-gateway <pocketbasePort> [limitsJson] [forwarder]` it
 * is that gateway process; forwarder `http-proxy` is the old upstream path and `tcp-relay` a bare TCP
 * relay without the gateway, the floor of any Node process on the path (both in bench/baseline/).
 */
import path from "node:path";
import { execa, type ResultPromise } from "execa";
import { createGateway, type GatewayLimits } from "../orchestrator/gateway/create-gateway";
import { DEFAULT_GATEWAY_LIMITS } from "../orchestrator/gateway/default-limits";
import { createLogger } from "../orchestrator/logger";
import { createHttpProxyForwarder } from "./baseline/http-proxy-forwarder";
import { serveTcpRelay } from "./baseline/tcp-relay";
import { repoRoot, tools } from "../tests/support/tools";
import { waitFor } from "../tests/support/wait";
import { arg } from "./load";

export const SUBDOMAIN = "bench";
export const EMAIL = "bench@example.com";
export const PASSWORD = "bench-password-123";

/**
 * The gateway's default limits, except the request rates: one load
 * generator is one client far above 200 req/s, so the limiters run on every request (their cost is
 * measured) with budgets this bench never uses up.
 */
const BENCH_LIMITS: GatewayLimits = { ...DEFAULT_GATEWAY_LIMITS, ratePerIp: 1_000_000, ratePerInstance: 1_000_000 };

/** How the gateway reaches PocketBase: the product's undici forwarder, or the old http-proxy path; or no gateway, a TCP relay. */
export type ForwarderName = "undici" | "http-proxy" | "tcp-relay";

/** Child mode: a gateway whose router always answers the PocketBase port given on the command line. */
async function serveGateway(upstreamPort: number, overrides: Partial<GatewayLimits>, forwarder: ForwarderName): Promise<void> {
  if (forwarder === "tcp-relay") {
    process.stdout.write(`GATEWAY_PORT=${await serveTcpRelay(upstreamPort)}\n`);
    process.once("SIGTERM", () => process.exit(0)); // nothing to drain: the bench has finished its runs
    return;
  }
  const gateway = createGateway({
    ...(forwarder === "http-proxy" ? { forwarder: createHttpProxyForwarder } : {}),
    config: {
      host: "127.0.0.1",
      port: 0,
      baseDomain: "localhost",
      wakeTimeoutMs: 30_000,
      trustedProxyHops: 0,
      peerKey: "bench",
      limits: { ...BENCH_LIMITS, ...overrides },
    },
    log: createLogger("error"),
    router: {
      resolve: async (sub) => (sub === SUBDOMAIN ? "bench-instance" : null),
      running: () => ({ host: "127.0.0.1", port: upstreamPort }),
      ensureRunning: async () => ({ host: "127.0.0.1", port: upstreamPort }),
      activity: () => undefined,
    },
  });
  const { port } = await gateway.listen();
  process.stdout.write(`GATEWAY_PORT=${port}\n`);
  process.once("SIGTERM", () => void gateway.close().then(() => process.exit(0)));
}

/** Returns the child wrapped: an async function returning the (thenable) child would wait for its exit. */
export async function startPocketBase(dir: string, port: number): Promise<{ proc: ResultPromise }> {
  const dirArgs = ["--dir", path.join(dir, "pb_data"), "--hooksDir", path.join(dir, "pb_hooks"), "--migrationsDir", path.join(dir, "pb_migrations")];
  await execa(tools.pocketbase, ["superuser", "upsert", EMAIL, PASSWORD, ...dirArgs]);
  // Tenants run with GOMAXPROCS=1 by default (TENANT_GOMAXPROCS); --gomaxprocs=0 lifts the cap.
  const gomaxprocs = arg("gomaxprocs", "1");
  const env = gomaxprocs !== "0" ? { GOMAXPROCS: gomaxprocs } : {};
  const proc = execa(tools.pocketbase, ["serve", "--http", `127.0.0.1:${port}`, ...dirArgs], { reject: false, stdio: "ignore", env });
  await waitFor("PocketBase", async () => ((await fetch(`http://127.0.0.1:${port}/api/health`)).ok ? true : undefined), { timeoutMs: 30_000 });
  return { proc };
}

/** Starts the gateway process for PocketBase on `pbPort`; `limits` override the bench defaults. */
export async function startGatewayChild(
  pbPort: number,
  opts: { profileDir?: string | undefined; limits?: Partial<GatewayLimits>; forwarder?: ForwarderName } = {},
): Promise<{ proc: ResultPromise; port: number }> {
  const profile = opts.profileDir ? ["--cpu-prof", `--cpu-prof-dir=${opts.profileDir}`] : [];
  const proc = execa(
    process.execPath,
    [
      ...profile,
      "--import",
      "tsx",
      path.join(repoRoot, "bench/gateway-fixture.ts"),
      "--serve-gateway",
      String(pbPort),
      JSON.stringify(opts.limits ?? {}),
      opts.forwarder ?? "undici",
    ],
    {
      cwd: repoRoot,
      reject: false,
      stderr: "inherit",
    },
  );
  let out = "";
  const collect = (chunk: Buffer) => (out += chunk.toString());
  proc.stdout?.on("data", collect);
  const port = await waitFor("gateway child port", () => /GATEWAY_PORT=(\d+)/.exec(out)?.[1], { timeoutMs: 30_000 });
  proc.stdout?.off("data", collect);
  proc.stdout?.resume(); // keep draining the pipe
  return { proc, port: Number(port) };
}

if (process.argv[2] === "--serve-gateway") {
  void serveGateway(Number(process.argv[3]), JSON.parse(process.argv[4] ?? "{}") as Partial<GatewayLimits>, (process.argv[5] ?? "undici") as ForwarderName);
}
