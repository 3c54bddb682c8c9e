import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { execa } from "execa";
import getPort from "get-port";
import PocketBase from "pocketbase";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tarGzFiles } from "./support/bundles";
import { createGatewayClient, type GatewayClient } from "./support/gateway-client";
import { runningInstance, startOrchestrator, type OrchestratorHandle } from "./support/orchestrator";
import { expectPostsIntact, seedPosts } from "./support/tenant-data";
import { tools } from "./support/tools";
import { waitForHttp } from "./support/wait";

/**
 * Runs a plain `pocketbase serve` (no platform, no sandbox) on an extracted download until `use` is
 * done. pb_hooks and pb_migrations are found beside pb_data; pb_public is looked for beside the
 * binary, so it is named here (or the binary is put into the folder).
 */
async function withPlainPocketbase(dir: string, use: (url: string) => Promise<void>): Promise<void> {
  const port = await getPort();
  const url = `http://127.0.0.1:${port}`;
  const args = ["serve", `--dir=${path.join(dir, "pb_data")}`, `--publicDir=${path.join(dir, "pb_public")}`, `--http=127.0.0.1:${port}`];
  const child = execa(tools.pocketbase, args, { reject: false, stdio: "pipe" });
  try {
    await waitForHttp(`${url}/api/health`);
    await use(url);
  } finally {
    child.kill("SIGTERM");
    await child;
  }
}

describe("backups: download and import", () => {
  let orch: OrchestratorHandle;
  let client: GatewayClient;
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "picobase-backups-"));

  beforeAll(async () => {
    orch = await startOrchestrator({ env: process.getuid?.() === 0 ? {} : { ALLOW_UNSANDBOXED_DEPLOYS: "1" } });
    client = createGatewayClient({ port: orch.gatewayPort });
  });
  afterAll(async () => {
    await client?.close();
    await orch?.dispose();
    fs.rmSync(work, { recursive: true, force: true });
  });

  it("downloads a PocketBase directory that a plain `pocketbase serve --dir` opens unchanged", async () => {
    const { id, su, pb } = await runningInstance(orch, client, "downloadable");
    const seeded = await seedPosts(pb);
    const bundle = await tarGzFiles({
      "pb_hooks/hello.pb.js": 'routerAdd("GET", "/hello", (e) => e.string(200, "hello from a hook"));\n',
      "pb_public/index.html": "<h1>static</h1>\n",
    });
    const deployed = await fetch(`${orch.apiUrl}/v1/instances/${id}/deploys`, {
      method: "POST",
      headers: { authorization: `Bearer ${orch.token}`, "content-type": "application/gzip", "x-deploy-author": "test" },
      body: new Uint8Array(bundle),
    });
    expect(deployed.status).toBe(202);
    await expect.poll(async () => (await client.fetch(client.url("downloadable", "/hello"))).status, { timeout: 60_000, interval: 250 }).toBe(200);
    await pb.collection("_superusers").authWithPassword(su.email, su.password);
    await pb.collection("posts").create({ title: "written just before the download" });

    const res = await fetch(`${orch.apiUrl}/v1/instances/${id}/archive`, { headers: { authorization: `Bearer ${orch.token}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/gzip");
    expect(res.headers.get("content-disposition")).toMatch(/^attachment; filename="downloadable-.*\.tar\.gz"$/);
    const archive = path.join(work, "download.tar.gz");
    fs.writeFileSync(archive, Buffer.from(await res.arrayBuffer()));
    const dir = path.join(work, "download");
    fs.mkdirSync(dir);
    await execa("tar", ["xzf", archive, "-C", dir]);
    expect(fs.readdirSync(dir).sort()).toEqual(["pb_data", "pb_hooks", "pb_migrations", "pb_public"]);
    // Scratch copies are gone once the download ended.
    await expect.poll(() => fs.readdirSync(path.join(orch.dataDir, "work", "exports")), { timeout: 5_000 }).toEqual([]);

    await withPlainPocketbase(dir, async (url) => {
      const plain = new PocketBase(url);
      await plain.collection("_superusers").authWithPassword(su.email, su.password);
      await expectPostsIntact(plain, { ...seeded, titles: [...seeded.titles, "written just before the download"] }, fetch);
      expect(await (await fetch(`${url}/hello`)).text()).toBe("hello from a hook");
      expect(await (await fetch(`${url}/index.html`)).text()).toBe("<h1>static</h1>\n");
    });
  });
});
