import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { execa } from "execa";
import getPort from "get-port";
import PocketBase from "pocketbase";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { randomBytes } from "node:crypto";
import { tarGzFiles, zip } from "./support/bundles";
import { createGatewayClient, type GatewayClient } from "./support/gateway-client";
import { deployableEnv, runningInstance, startOrchestrator, type OrchestratorHandle } from "./support/orchestrator";
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
    orch = await startOrchestrator({ env: deployableEnv() });
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
    await expect.poll(() => fs.readdirSync(path.join(orch.dataDir, "work", "backups")), { timeout: 5_000 }).toEqual([]);

    await withPlainPocketbase(dir, async (url) => {
      const plain = new PocketBase(url);
      await plain.collection("_superusers").authWithPassword(su.email, su.password);
      await expectPostsIntact(plain, { ...seeded, titles: [...seeded.titles, "written just before the download"] }, fetch);
      expect(await (await fetch(`${url}/hello`)).text()).toBe("hello from a hook");
      expect(await (await fetch(`${url}/index.html`)).text()).toBe("<h1>static</h1>\n");
    });
  });

  /** Posts a zip to the import route as the dashboard forwards it. */
  const importZip = async (body: Buffer, subdomain: string, contentType = "application/zip") => {
    const ownerId = await orch.createUser();
    const query = new URLSearchParams({ ownerId, name: "Moved in", subdomain });
    const res = await fetch(`${orch.apiUrl}/v1/instances/import?${query.toString()}`, {
      method: "POST",
      headers: { authorization: `Bearer ${orch.token}`, "content-type": contentType },
      body: new Uint8Array(body),
    });
    return {
      status: res.status,
      json: (await res.json()) as { instance?: { id: string; status: string; desiredState: string }; error?: { code: string; message: string } },
    };
  };

  it("imports a backup PocketBase made itself: records, users who can sign in, and files", async () => {
    // A self-hosted PocketBase with a user, a collection and an uploaded file, backed up from its own API.
    const own = path.join(work, "self-hosted");
    fs.mkdirSync(path.join(own, "pb_public"), { recursive: true });
    await execa(tools.pocketbase, ["superuser", "upsert", "owner@example.com", "owner-password-1", `--dir=${path.join(own, "pb_data")}`]);
    const fileBytes = randomBytes(64 * 1024);
    let backup = Buffer.alloc(0);
    await withPlainPocketbase(own, async (url) => {
      const pb = new PocketBase(url);
      await pb.collection("_superusers").authWithPassword("owner@example.com", "owner-password-1");
      await pb.collection("users").create({ email: "ada@example.com", password: "ada-password-1", passwordConfirm: "ada-password-1" });
      await pb.collections.create({
        name: "notes",
        type: "base",
        listRule: "",
        viewRule: "",
        fields: [
          { name: "text", type: "text" },
          { name: "scan", type: "file", maxSelect: 1, maxSize: 1024 * 1024 },
        ],
      });
      const form = new FormData();
      form.append("text", "from home");
      form.append("scan", new Blob([fileBytes]), "scan.bin");
      await pb.collection("notes").create(form);
      await pb.backups.create("moving.zip");
      const token = await pb.files.getToken();
      backup = Buffer.from(await (await fetch(pb.backups.getDownloadURL(token, "moving.zip"))).arrayBuffer());
    });
    expect(backup.length).toBeGreaterThan(1000);

    const { status, json } = await importZip(backup, "moved-in");
    expect(status, JSON.stringify(json)).toBe(201);
    // Meant to run, too: before, it ran with desired state "stopped", so the reconciler stopped it.
    expect(json.instance).toMatchObject({ status: "running", desiredState: "running" });
    const pb = client.pocketBase("moved-in");
    await pb.collection("users").authWithPassword("ada@example.com", "ada-password-1");
    const notes = await pb.collection("notes").getFullList();
    expect(notes.map((n) => n.text)).toEqual(["from home"]);
    const file = await client.fetch(pb.files.getURL(notes[0]!, notes[0]!.scan as string));
    expect(Buffer.from(await file.arrayBuffer()).equals(fileBytes)).toBe(true);
    // The platform's own superuser was added, and the tenant's is still there.
    const su = await orch.superuser(json.instance!.id);
    await pb.collection("_superusers").authWithPassword(su.email, su.password);
    await pb.collection("_superusers").authWithPassword("owner@example.com", "owner-password-1");
    const snapshots = await orch.db.query.snapshots.findMany({ where: (x, { eq }) => eq(x.instanceId, json.instance!.id) });
    expect(snapshots.map((x) => x.reason)).toContain("import");
  });

  it("refuses hostile or broken archives with a clear 4xx and leaves no instance behind", async () => {
    const db = Buffer.from("SQLite format 3\0 but then garbage, not a database at all".padEnd(8192, "x"));
    const cases: Array<[string, Buffer, number, string]> = [
      [
        "zip slip",
        await zip([
          { name: "data.db", body: "x" },
          { name: "../../etc/cron.d/evil", body: "x" },
        ]),
        422,
        "invalid_import",
      ],
      ["absolute path", await zip([{ name: "/data.db", body: "x" }]), 422, "invalid_import"],
      ["symlink", await zip([{ name: "data.db", type: "symlink", linkname: "/etc/shadow" }]), 422, "invalid_import"],
      ["no data.db", await zip([{ name: "storage/a/b.txt", body: "x" }]), 422, "invalid_import"],
      ["corrupt database", await zip([{ name: "pb_data/data.db", body: db }]), 422, "invalid_import"],
      ["not a zip", Buffer.from("hello"), 422, "invalid_import"],
    ];
    for (const [what, body, status, code] of cases) {
      const res = await importZip(body, `bad-${what.replace(/\W+/g, "-")}`);
      expect(res.status, what).toBe(status);
      expect(res.json.error?.code, `${what}: ${res.json.error?.message}`).toBe(code);
    }
    expect((await importZip(await zip([{ name: "data.db", body: "x" }]), "bad-type", "application/gzip")).status).toBe(415);
    expect((await importZip(Buffer.alloc(0), "Bad Name!")).status).toBe(422);
    const left = await orch.db.query.instances.findMany({ where: (i, { like }) => like(i.subdomain, "bad-%") });
    expect(left).toEqual([]);
  });
});
