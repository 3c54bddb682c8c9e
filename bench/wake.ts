// Wake benchmark: a stopped instance with a ~10 MB data.db stored in the S3 server, no local copy;
// time from the first request through the gateway to its 200 (restore + start + proxy).
// Baseline in the same run: bare `pocketbase serve` start-to-healthy on a local copy.
// Usage: npx tsx bench/wake.ts [iterations=20]
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { execa } from "execa";
import getPort from "get-port";
import { createGatewayClient } from "../tests/support/gateway-client";
import { runningInstance, startOrchestrator } from "../tests/support/orchestrator";
import { startS3Server } from "../tests/support/s3-server";
import { tools } from "../tests/support/tools";
import { waitFor } from "../tests/support/wait";
import { summarize } from "./stats";

const iterations = Number(process.argv[2] ?? 20);
const s3 = await startS3Server();
const orch = await startOrchestrator({ env: { ...s3.env, LOG_LEVEL: "warn" } });
const client = createGatewayClient({ port: orch.gatewayPort });

try {
  const sub = "wake-bench";
  const { id, pb } = await runningInstance(orch, client, sub);
  await pb.collections.create({ name: "blobs", type: "base", fields: [{ name: "body", type: "text", max: 200000 }] });
  for (let i = 0; i < 100; i++) await pb.collection("blobs").create({ body: randomBytes(75 * 1024).toString("base64") });
  await orch.api("POST", `/v1/instances/${id}/stop?wait=1`);
  const dbSize = fs.statSync(path.join(orch.tenantDir(id), "pb_data/data.db")).size;
  console.log(`data.db: ${(dbSize / 1e6).toFixed(1)} MB; stored in versitygw (S3) at ${s3.endpoint}`);

  // Baseline: bare PocketBase on a local copy of the same data.
  const copy = fs.mkdtempSync(path.join(os.tmpdir(), "wake-baseline-"));
  fs.cpSync(path.join(orch.tenantDir(id), "pb_data"), copy, { recursive: true });
  const baseline: number[] = [];
  for (let i = 0; i < iterations; i++) {
    const port = await getPort();
    const t0 = performance.now();
    const child = execa(tools.pocketbase, ["serve", "--http", `127.0.0.1:${port}`, "--dir", copy], { reject: false });
    await waitFor("baseline health", async () => ((await fetch(`http://127.0.0.1:${port}/api/health`)).ok ? true : undefined), { intervalMs: 10 });
    baseline.push(performance.now() - t0);
    child.kill("SIGTERM");
    await child;
  }

  const wake: number[] = [];
  for (let i = 0; i < iterations; i++) {
    orch.wipeTenant(id);
    const t0 = performance.now();
    const res = await client.fetch(client.url(sub, "/api/health"));
    wake.push(performance.now() - t0);
    if (res.status !== 200) throw new Error(`wake answered ${res.status}`);
    await orch.api("POST", `/v1/instances/${id}/stop?wait=1`);
  }

  console.log("");
  const b = summarize("baseline: bare pocketbase serve (local)", baseline);
  const w = summarize("wake: restore 10 MB from S3 + start", wake);
  console.log(`ratio wake/baseline: p50 ${(w.p50 / b.p50).toFixed(2)}x, p99 ${(w.p99 / b.p99).toFixed(2)}x`);
  console.log(`target p50 <= 500 ms: ${w.p50 <= 500 ? "met" : "MISSED"}; p99 <= 1000 ms: ${w.p99 <= 1000 ? "met" : "MISSED"}`);
  fs.rmSync(copy, { recursive: true, force: true });
} finally {
  await client.close();
  await orch.dispose();
  await s3.dispose();
}
