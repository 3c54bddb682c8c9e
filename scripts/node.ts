// `npm run node -- <status|drain|undrain>`: an operator's view of this machine's orchestrator in a
// cluster (docs/scale-out.md). `drain` moves its instances to the other nodes one at a time and
// shows the progress; `undrain` lets it take instances again. Reads the same environment as the
// orchestrator (DATA_DIR, ORCHESTRATOR_HOST, ORCHESTRATOR_PORT, ORCHESTRATOR_TOKEN); `--api <url>`
// names another node's internal API.
import { parseArgs } from "node:util";
import { parseEnv, platformEnvSchema, resolvePlatform } from "../lib/platform-env";
import type { DrainProgress } from "../orchestrator/cluster/drain";

type NodesAnswer = { self: string; nodes: { id: string; live: boolean; draining: boolean; leases: number; capacity: number; gatewayUrl: string }[] };

const { positionals, values } = parseArgs({ allowPositionals: true, options: { api: { type: "string" } } });
const command = positionals[0] ?? "status";
const env = parseEnv(platformEnvSchema, process.env);
const platform = resolvePlatform(env);
const apiUrl = values.api ?? `http://${process.env.ORCHESTRATOR_HOST ?? "127.0.0.1"}:${env.ORCHESTRATOR_PORT}`;

async function call<T>(method: string, route: string): Promise<T> {
  const res = await fetch(`${apiUrl}${route}`, { method, headers: { authorization: `Bearer ${platform.orchestratorToken}` } });
  const body = (await res.json().catch(() => ({}))) as T & { error?: { message: string } };
  if (!res.ok) throw new Error(`${method} ${route}: ${res.status} ${body.error?.message ?? ""}`.trim());
  return body;
}

const line = (p: DrainProgress) =>
  `node ${p.node}: ${p.draining ? "draining" : "taking instances"}; moved ${p.moved} of ${p.total}, ${p.remaining} still here` +
  (p.failed.length ? `; could not move ${p.failed.map((f) => `${f.instanceId} (${f.error})`).join(", ")}` : "");

async function main(): Promise<void> {
  if (command === "status") {
    const { self, nodes } = await call<NodesAnswer>("GET", "/v1/cluster/nodes");
    for (const n of nodes) {
      const state = !n.live ? "dead" : n.draining ? "draining" : "live";
      console.log(
        `${n.id === self ? "*" : " "} ${n.id.padEnd(24)} ${state.padEnd(9)} ${String(n.leases).padStart(5)} / ${n.capacity} instances  ${n.gatewayUrl}`,
      );
    }
  } else if (command === "drain") {
    let progress = await call<DrainProgress>("POST", "/v1/cluster/drain");
    console.log(line(progress));
    while (progress.active) {
      await new Promise((r) => setTimeout(r, 1_000));
      progress = await call<DrainProgress>("GET", "/v1/cluster/drain");
      console.log(line(progress));
    }
    if (progress.failed.length) process.exitCode = 1;
  } else if (command === "undrain") {
    console.log(line(await call<DrainProgress>("DELETE", "/v1/cluster/drain")));
  } else {
    console.error("usage: npm run node -- <status|drain|undrain> [--api http://host:port]");
    process.exitCode = 2;
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exitCode = 1;
});
