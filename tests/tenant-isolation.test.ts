import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createGatewayClient, type GatewayClient } from "./support/gateway-client";
import { startOrchestrator, type OrchestratorHandle } from "./support/orchestrator";

const isRoot = process.getuid?.() === 0;

// Tenants run arbitrary JavaScript: a hook probes what its process can read.
describe.runIf(isRoot)("tenant isolation (orchestrator running as root)", () => {
  let orch: OrchestratorHandle;
  let client: GatewayClient;
  let a: string;
  let b: string;

  const probe = async (target: string) => {
    const res = await client.fetch(client.url("prober", `/probe?path=${encodeURIComponent(target)}`));
    return (await res.json()) as { readable: boolean; error?: string };
  };

  beforeAll(async () => {
    orch = await startOrchestrator({ env: { TENANT_ISOLATION: "uid" } });
    client = createGatewayClient({ port: orch.gatewayPort });
    b = await orch.createInstance("neighbour");
    await orch.api("POST", `/v1/instances/${b}/start?wait=1`);
    await orch.api("POST", `/v1/instances/${b}/stop?wait=1`);
    a = await orch.createInstance("prober");
    await orch.api("POST", `/v1/instances/${a}/start?wait=1`);
    await orch.api("POST", `/v1/instances/${a}/stop?wait=1`);
    fs.writeFileSync(
      path.join(orch.tenantDir(a), "pb_hooks/probe.pb.js"),
      `routerAdd("GET", "/probe", (e) => {
        try {
          const bytes = $os.readFile(e.request.url.query().get("path"));
          return e.json(200, { readable: true, size: bytes.length });
        } catch (err) {
          return e.json(200, { readable: false, error: String(err) });
        }
      });
      routerAdd("GET", "/whoami", (e) => e.string(200, toString($os.cmd("id", "-u").output()).trim()));\n`,
    );
    await orch.api("POST", `/v1/instances/${a}/start?wait=1`);
  });
  afterAll(async () => {
    await client?.close();
    await orch?.dispose();
  });

  it("runs each tenant under its own unprivileged uid", async () => {
    const uid = Number(await (await client.fetch(client.url("prober", "/whoami"))).text());
    expect(uid).toBeGreaterThanOrEqual(200_000);
    const [rowA, rowB] = await Promise.all([a, b].map(async (id) => (await orch.db.query.instances.findFirst({ where: (i, { eq }) => eq(i.id, id) }))!));
    expect(rowA!.tenantUid).toBe(uid);
    expect(rowB!.tenantUid).not.toBe(uid);
  });

  it("reads its own data", async () => {
    expect(await probe(path.join(orch.tenantDir(a), "pb_data/data.db"))).toMatchObject({ readable: true });
  });

  it.each([
    ["the platform secrets", () => path.join(orch.dataDir, "secrets.json")],
    ["the control DB", () => path.join(orch.dataDir, "control.db")],
    ["the orchestrator's environment", () => `/proc/${orch.pid}/environ`],
    ["another tenant's database", () => path.join(orch.tenantDir(b), "pb_data/data.db")],
    ["another tenant's stored snapshots", () => path.join(orch.dataDir, "storage/tenants", b, "snapshots/1/manifest.json")],
    ["its own platform metadata", () => path.join(orch.tenantDir(a), "meta/sync-state.json")],
  ])("cannot read %s", async (_what, target) => {
    const file = target();
    expect(file.startsWith("/proc/") || fs.existsSync(file)).toBe(true); // the file is really there for root
    expect(await probe(file)).toMatchObject({ readable: false });
  });
});
