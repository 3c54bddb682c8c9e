import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import { sandboxScope } from "../../orchestrator/config";
import { createGatewayClient, type GatewayClient } from "./gateway-client";
import { startOrchestrator, type OrchestratorHandle } from "./orchestrator";
import { descendantsOf, isAlive, pocketbaseProcessesUnder } from "./processes";
import type { S3Server } from "./s3-server";
import type { Sqld } from "./sqld";
import { waitFor } from "./wait";

/** One orchestrator of a cluster, with a client for its gateway. */
export type ClusterNode = { name: string; orch: OrchestratorHandle; client: GatewayClient };

/** The secrets every node of one cluster shares (docs/scale-out.md). */
export function clusterSecrets(): { ORCHESTRATOR_TOKEN: string; ENCRYPTION_KEY: string } {
  return { ORCHESTRATOR_TOKEN: randomBytes(32).toString("base64url"), ENCRYPTION_KEY: randomBytes(32).toString("hex") };
}

/** Starts node `name` on the shared sqld and S3 server (on loopback, as every node of the tests and benchmarks). */
export async function startClusterNode(
  name: string,
  deps: { sqld: Sqld; s3: S3Server; shared: Record<string, string>; env?: Record<string, string>; stopGraceMs?: number },
): Promise<ClusterNode> {
  const orch = await startOrchestrator({
    env: { ...deps.s3.env, ...deps.shared, TURSO_DATABASE_URL: deps.sqld.url, NODE_ID: name, IDLE_TIMEOUT_MINUTES: "0", ...deps.env },
    stopGraceMs: deps.stopGraceMs,
  });
  return { name, orch, client: createGatewayClient({ port: orch.gatewayPort }) };
}

/** How many nodes `apiUrl`'s node sees live. */
export async function liveNodeCount(apiUrl: string, token: string): Promise<number> {
  const res = await fetch(`${apiUrl}/v1/cluster/nodes`, { headers: { authorization: `Bearer ${token}` } });
  return ((await res.json()) as { nodes: { live: boolean }[] }).nodes.filter((n) => n.live).length;
}

/** The PocketBase processes a node's orchestrator started (by ancestry: other nodes' sandboxes see its folders too). */
export function pocketBasesOf(orch: OrchestratorHandle): number[] {
  if (orch.pid === undefined || orch.pid <= 1) return [];
  const mine = new Set(descendantsOf(orch.pid));
  return pocketbaseProcessesUnder(orch.dataDir).filter((pid) => mine.has(pid));
}

/** Pids of the processes inside a node's tenant network namespaces (named after its data folder's sandbox scope). */
function tenantNamespacePids(dataDir: string): number[] {
  const prefix = `picobase-${sandboxScope(dataDir)}-`;
  const names = fs.existsSync("/run/netns") ? fs.readdirSync("/run/netns").filter((n) => n.startsWith(prefix)) : [];
  return names.flatMap((name) =>
    execFileSync("ip", ["netns", "pids", name], { encoding: "utf8" })
      .split("\n")
      .filter((line) => /^\d+$/.test(line.trim()))
      .map(Number),
  );
}

function killAll(pids: number[]): void {
  for (const pid of pids) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // gone already
    }
  }
}

/**
 * kill -9 of a node's orchestrator and every process it started (Litestream, the sandboxes and
 * their PocketBase), as a lost host: all at once, found by ancestry so no other node's process is
 * hit, then whatever still runs in its tenants' network namespaces. Resolves once all are gone.
 */
export async function loseHost(node: ClusterNode): Promise<void> {
  const root = node.orch.pid;
  if (root === undefined || root <= 1) throw new Error(`node ${node.name} has no orchestrator process`);
  const pids = [root, ...descendantsOf(root)];
  killAll(pids);
  await node.orch.kill("SIGKILL");
  const inNamespaces = tenantNamespacePids(node.orch.dataDir);
  killAll(inNamespaces);
  await waitFor("the lost host's processes to be gone", () => ([...pids, ...inNamespaces].some(isAlive) ? undefined : true));
}
