import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DeployJson } from "../lib/instance-json";
import { tarGzFiles } from "./support/bundles";
import { createGatewayClient, type GatewayClient } from "./support/gateway-client";
import { exerciseMoodboard } from "./support/moodboard";
import { deployableEnv, runningInstance, startOrchestrator, type OrchestratorHandle } from "./support/orchestrator";

// Deploys through the orchestrator's internal API against real PocketBase: the switch, its
// automatic rollback (code and pre-migration data), rollback on request, and pending deploys.

const hello = (greeting: string) => `routerAdd("GET", "/hello", (e) => e.json(200, { greeting: ${JSON.stringify(greeting)} }));\n`;

const notesMigration = `migrate((app) => {
  const notes = new Collection({ type: "base", name: "notes", listRule: "", viewRule: "", fields: [{ name: "text", type: "text" }] });
  app.save(notes);
}, (app) => {
  app.delete(app.findCollectionByNameOrId("notes"));
});
`;

/**
 * A migration deletes every note (and commits), then a hook's route clashes with a built-in one,
 * so PocketBase panics as it starts serving: the start fails after the data changed, and only
 * the pre-deploy snapshot can bring the notes back.
 */
const destructiveThenBroken = {
  "pb_migrations/1700000001_wipe_notes.js": `migrate((app) => { app.db().newQuery("DELETE FROM notes").execute(); });\n`,
  "pb_hooks/clash.pb.js": `console.log("TENANT-PRIVATE-LINE sk_live_123");\nrouterAdd("GET", "/api/health", (e) => e.json(200, {}));\n`,
};

/** A migration that fails (PocketBase runs pending migrations in one transaction: nothing of it stays). */
const brokenMigration = {
  "pb_migrations/1700000003_broken.js": `migrate((app) => { throw new Error("column mood does not exist (on purpose)"); });\n`,
};

describe("deploys", () => {
  let orch: OrchestratorHandle;
  let client: GatewayClient;

  beforeAll(async () => {
    orch = await startOrchestrator({ env: deployableEnv() });
    client = createGatewayClient({ port: orch.gatewayPort });
  });
  afterAll(async () => {
    await client?.close();
    await orch?.dispose();
  });

  async function deploy(id: string, bundle: Buffer): Promise<DeployJson> {
    const res = await fetch(`${orch.apiUrl}/v1/instances/${id}/deploys`, {
      method: "POST",
      headers: { authorization: `Bearer ${orch.token}`, "content-type": "application/gzip", "x-deploy-author": encodeURIComponent("ada@example.com") },
      body: new Uint8Array(bundle),
    });
    const json = (await res.json()) as { deploy: DeployJson };
    expect(res.status, JSON.stringify(json)).toBe(202);
    return json.deploy;
  }

  async function deployState(id: string, deployId: string): Promise<DeployJson> {
    const res = await orch.api("GET", `/v1/instances/${id}/deploys/${deployId}`);
    return (res.body as unknown as { deploy: DeployJson }).deploy;
  }

  async function settled(id: string, deployId: string): Promise<DeployJson> {
    let last: DeployJson | undefined;
    await expect.poll(async () => (last = await deployState(id, deployId)).status, { timeout: 60_000, interval: 250 }).toMatch(/^(live|failed)$/);
    return last!;
  }

  const greeting = async (sub: string) => {
    const res = await client.fetch(client.url(sub, "/hello"));
    return res.ok ? ((await res.json()) as { greeting: string }).greeting : `HTTP ${res.status}`;
  };

  it("switches a running instance to a deploy, and brings back the previous code and data when the next one fails", async () => {
    const sub = "deploy-run";
    const { id, pb } = await runningInstance(orch, client, sub);
    const first = await deploy(
      id,
      await tarGzFiles({ "pb_hooks/hello.pb.js": hello("one"), "pb_migrations/1700000000_notes.js": notesMigration, "pb_public/index.html": "<h1>one</h1>" }),
    );
    expect(first).toMatchObject({ number: 1, author: "ada@example.com", fileCount: 3 });
    expect((await settled(id, first.id)).status).toBe("live");
    expect(await greeting(sub)).toBe("one");
    expect(await (await client.fetch(client.url(sub, "/"))).text()).toBe("<h1>one</h1>");
    await pb.collection("notes").create({ text: "keep me" });

    const second = await deploy(
      id,
      await tarGzFiles({ "pb_hooks/hello.pb.js": hello("two"), "pb_migrations/1700000000_notes.js": notesMigration, ...destructiveThenBroken }),
    );
    const failed = await settled(id, second.id);
    expect(failed.status).toBe("failed");
    expect(failed.message).toMatch(/conflicts with pattern "GET \/api\/health"/); // PocketBase's own log lines say why
    // The owner sees the tenant's lines; the platform's own log never gets them (a hook can print anything).
    expect(failed.message).toContain("TENANT-PRIVATE-LINE");
    expect(fs.readFileSync(orch.logFile, "utf8")).not.toContain("TENANT-PRIVATE-LINE");
    // The previous deploy and the data from just before the failed one are back, and it runs.
    expect(await greeting(sub)).toBe("one");
    expect((await pb.collection("notes").getFullList()).map((n) => n.text)).toEqual(["keep me"]);
    const instance = (await orch.api("GET", `/v1/instances/${id}`)).body.instance!;
    expect(instance).toMatchObject({ status: "running", deployId: first.id });
    expect((await deployState(id, first.id)).status).toBe("live");
    const migrations = fs.readdirSync(path.join(orch.tenantDir(id), "pb_migrations"));
    expect(migrations).toEqual(["1700000000_notes.js"]);

    const broken = await deploy(
      id,
      await tarGzFiles({ "pb_hooks/hello.pb.js": hello("broken"), "pb_migrations/1700000000_notes.js": notesMigration, ...brokenMigration }),
    );
    expect(await settled(id, broken.id)).toMatchObject({ status: "failed", message: expect.stringMatching(/column mood does not exist/) });
    expect(await greeting(sub)).toBe("one");

    // A third deploy, then a rollback on request to the first.
    const third = await deploy(id, await tarGzFiles({ "pb_hooks/hello.pb.js": hello("three"), "pb_migrations/1700000000_notes.js": notesMigration }));
    expect((await settled(id, third.id)).status).toBe("live");
    expect(await greeting(sub)).toBe("three");
    expect((await client.fetch(client.url(sub, "/"))).status).toBe(404); // pb_public is gone with the bundle that had it
    const rollback = await orch.api("POST", `/v1/instances/${id}/deploys/${first.id}/rollback`);
    expect(rollback.status).toBe(202);
    expect((await settled(id, first.id)).status).toBe("live");
    expect(await greeting(sub)).toBe("one");
    expect((await deployState(id, third.id)).status).toBe("rolled_back");
    const list = (await orch.api("GET", `/v1/instances/${id}/deploys`)).body as unknown as { deploys: DeployJson[] };
    expect(list.deploys.map((d) => [d.number, d.status])).toEqual([
      [4, "rolled_back"],
      [3, "failed"],
      [2, "failed"],
      [1, "live"],
    ]);
  });

  it("keeps a deploy to a stopped instance pending until its next start, also on a host that lost its files", async () => {
    const id = await orch.createInstance("deploy-later");
    const pending = await deploy(id, await tarGzFiles({ "pb_hooks/hello.pb.js": hello("later"), "pb_public/index.html": "later" }));
    expect(pending.status).toBe("pending");
    await new Promise((r) => setTimeout(r, 500));
    expect((await deployState(id, pending.id)).status).toBe("pending");
    expect((await orch.api("POST", `/v1/instances/${id}/start?wait=1`)).status).toBe(200);
    expect((await deployState(id, pending.id)).status).toBe("live");
    expect(await greeting("deploy-later")).toBe("later");

    // Stopped and its local folder lost: the next start restores the data and reinstalls the live deploy.
    expect((await orch.api("POST", `/v1/instances/${id}/stop?wait=1`)).status).toBe(200);
    orch.wipeTenant(id);
    expect((await orch.api("POST", `/v1/instances/${id}/start?wait=1`)).status).toBe(200);
    expect(await greeting("deploy-later")).toBe("later");
    expect(await (await client.fetch(client.url("deploy-later", "/"))).text()).toBe("later");
  });

  it("creates an instance from the mood-board template: its first deploy goes live on the first start", async () => {
    const ownerId = await orch.createUser();
    const created = await orch.api("POST", "/v1/instances", { ownerId, name: "Moods", subdomain: "moods", template: "moodboard" });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const id = created.body.instance!.id;
    const list = (await orch.api("GET", `/v1/instances/${id}/deploys`)).body as unknown as { deploys: DeployJson[] };
    expect(list.deploys).toMatchObject([{ number: 1, status: "pending", author: "template “moodboard”" }]);
    expect((await orch.api("POST", `/v1/instances/${id}/start?wait=1`)).status).toBe(200);
    expect((await deployState(id, list.deploys[0]!.id)).status).toBe("live");
    await exerciseMoodboard({ url: client.url("moods"), fetch: client.fetch });

    const unknown = await orch.api("POST", "/v1/instances", { ownerId, name: "X", subdomain: "no-such-template", template: "nope" });
    expect(unknown.status).toBe(422);
    expect((await orch.api("GET", "/v1/templates")).body).toMatchObject({ templates: [{ id: "blank" }, { id: "moodboard", name: "Mood board" }] });
  });

  it("lists a deploy's files and serves them for the file view", async () => {
    const id = await orch.createInstance("deploy-files");
    const d = await deploy(id, await tarGzFiles({ "pb_hooks/a b.pb.js": "// hooks", "pb_public/index.html": "<b>x</b>" }));
    const got = (await orch.api("GET", `/v1/instances/${id}/deploys/${d.id}`)).body as unknown as { files: Array<{ path: string; size: number }> };
    expect(got.files.map((f) => f.path)).toEqual(["pb_hooks/a b.pb.js", "pb_public/index.html"]);
    const file = await fetch(`${orch.apiUrl}/v1/instances/${id}/deploys/${d.id}/files/pb_hooks/a%20b.pb.js`, {
      headers: { authorization: `Bearer ${orch.token}` },
    });
    expect(file.status).toBe(200);
    expect(file.headers.get("content-type")).toMatch(/^text\/plain/);
    expect(await file.text()).toBe("// hooks");
    const missing = await orch.api("GET", `/v1/instances/${id}/deploys/${d.id}/files/pb_hooks/nope.js`);
    expect(missing.status).toBe(404);
  });
});

describe("deploys without a sandbox", () => {
  it("are refused with 412 unless the operator opts out, and nothing is stored", async () => {
    const orch = await startOrchestrator({ env: { TENANT_ISOLATION: "off" } });
    try {
      const id = await orch.createInstance("no-sandbox");
      const res = await fetch(`${orch.apiUrl}/v1/instances/${id}/deploys`, {
        method: "POST",
        headers: { authorization: `Bearer ${orch.token}`, "content-type": "application/gzip" },
        body: new Uint8Array(await tarGzFiles({ "pb_hooks/a.pb.js": "// a" })),
      });
      expect(res.status).toBe(412);
      expect(((await res.json()) as { error: { code: string; message: string } }).error).toMatchObject({
        code: "sandbox_required",
        message: expect.stringMatching(/ALLOW_UNSANDBOXED_DEPLOYS=1/),
      });
      const list = (await orch.api("GET", `/v1/instances/${id}/deploys`)).body as unknown as { deploys: unknown[] };
      expect(list.deploys).toEqual([]);
    } finally {
      await orch.dispose();
    }
  });
});

describe("old deploys", () => {
  it("keep their history, but only the newest DEPLOYS_KEPT keep their files in storage", async () => {
    const orch = await startOrchestrator({ env: { DEPLOYS_KEPT: "2", ...deployableEnv() } });
    try {
      const id = await orch.createInstance("old-deploys");
      const ids: string[] = [];
      for (const n of [1, 2, 3]) {
        const res = await fetch(`${orch.apiUrl}/v1/instances/${id}/deploys`, {
          method: "POST",
          headers: { authorization: `Bearer ${orch.token}`, "content-type": "application/gzip" },
          body: new Uint8Array(await tarGzFiles({ [`pb_public/v${n}.txt`]: `version ${n}`, "pb_public/same.txt": "shared by all" })),
        });
        expect(res.status).toBe(202);
        ids.push(((await res.json()) as { deploy: DeployJson }).deploy.id);
      }
      const list = (await orch.api("GET", `/v1/instances/${id}/deploys`)).body as unknown as { deploys: DeployJson[] };
      expect(list.deploys.map((d) => d.number)).toEqual([3, 2, 1]);
      const first = await orch.api("GET", `/v1/instances/${id}/deploys/${ids[0]}`);
      expect(first.status).toBe(404);
      expect(first.body.error?.message).toMatch(/files of deploy #1 are no longer kept/);
      expect((await orch.api("POST", `/v1/instances/${id}/deploys/${ids[0]}/rollback`)).status).toBe(404);
      expect((await orch.api("GET", `/v1/instances/${id}/deploys/${ids[1]}`)).status).toBe(200);
      // Blobs: v2, v3 and the shared file; v1's content is gone.
      const blobs = fs.readdirSync(path.join(orch.dataDir, "storage", "tenants", id, "deploy-blobs"));
      expect(blobs).toHaveLength(3);
    } finally {
      await orch.dispose();
    }
  });
});
