import fs from "node:fs";
import http from "node:http";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { manyFiles, tarGz, tarGzFiles, zeroBomb, zip } from "../support/bundles";
import { createSignedInUser, startWebPlatform, uploadUntilAnswered, webRequest, type WebPlatform } from "../support/web";

// Deploys through the platform API: hostile bundles are refused before anything is stored, and
// only the instance's owner (session or token) and its own API keys reach its deploys.

let web: WebPlatform;
let owner: { cookie: string; id: string };
let other: { cookie: string; id: string };
const ids = { a: "", b: "", aKey: "", bKey: "", revokedKey: "" };

async function createInstance(cookie: string, subdomain: string): Promise<string> {
  const res = await webRequest(web.url, "POST", "/api/instances", { cookie, body: { name: `App ${subdomain}`, subdomain } });
  expect(res.status, res.text).toBe(201);
  return (res.json.instance as { id: string }).id;
}

async function createKey(cookie: string, instanceId: string): Promise<{ key: string; id: string }> {
  const res = await webRequest(web.url, "POST", `/api/instances/${instanceId}/keys`, { cookie, body: { name: "ci" } });
  expect(res.status, res.text).toBe(201);
  return res.json.key as { key: string; id: string };
}

/** POSTs a bundle with a session cookie or bearer credential. */
async function upload(instanceId: string, body: Buffer, auth: { cookie?: string; bearer?: string }, contentType = "application/gzip") {
  const headers: Record<string, string> = { "content-type": contentType };
  if (auth.cookie) headers.cookie = auth.cookie;
  if (auth.bearer) headers.authorization = `Bearer ${auth.bearer}`;
  // Cookie requests must look same-origin (the dashboard's CSRF rule).
  if (auth.cookie) headers.origin = web.url;
  const res = await fetch(`${web.url}/api/instances/${instanceId}/deploys`, { method: "POST", headers, body: new Uint8Array(body) });
  const text = await res.text();
  return {
    status: res.status,
    text,
    json: (text.startsWith("{") ? JSON.parse(text) : {}) as {
      deploy?: { id: string; status: string; author: string };
      error?: { code: string; message: string };
    },
  };
}

beforeAll(async () => {
  web = await startWebPlatform();
  owner = await createSignedInUser(web.url, "deployer");
  other = await createSignedInUser(web.url, "stranger");
  const stamp = Date.now().toString(36);
  ids.a = await createInstance(owner.cookie, `dep-a-${stamp}`);
  ids.b = await createInstance(other.cookie, `dep-b-${stamp}`);
  ids.aKey = (await createKey(owner.cookie, ids.a)).key;
  ids.bKey = (await createKey(other.cookie, ids.b)).key;
  const revoked = await createKey(owner.cookie, ids.a);
  ids.revokedKey = revoked.key;
  expect((await webRequest(web.url, "DELETE", `/api/instances/${ids.a}/keys/${revoked.id}`, { cookie: owner.cookie })).status).toBe(204);
});

afterAll(async () => {
  await web?.dispose();
});

describe("hostile bundles", () => {
  const storedDeploys = () => path.join(web.orchestrator.dataDir, "storage", "tenants", ids.a);

  it.each([
    ["a symlink to /etc/shadow", () => tarGz([{ name: "pb_hooks/shadow.pb.js", type: "symlink", linkname: "/etc/shadow" }]), 422, /symbolic link/],
    [
      "a hard link",
      () =>
        tarGz([
          { name: "pb_hooks/a.pb.js", body: "x" },
          { name: "pb_hooks/b.pb.js", type: "link", linkname: "pb_hooks/a.pb.js" },
        ]),
      422,
      /hard link/,
    ],
    ["an absolute path", () => tarGz([{ name: "/etc/cron.d/evil", body: "* * * * * root id" }]), 422, /absolute path/],
    ["a tar slip", () => tarGz([{ name: "pb_hooks/../../../../etc/cron.d/evil", body: "x" }]), 422, /"\.\."/],
    ["a zip slip", () => zip([{ name: "pb_hooks/../../../../tmp/evil-zip-slip", body: "x" }]), 422, /relative path|\.\./],
    ["a zipped symlink", () => zip([{ name: "pb_public/shadow", type: "symlink", linkname: "/etc/shadow" }]), 422, /symbolic link/],
    ["100,000 files", () => manyFiles(100_000), 422, /more than 10,000 files/],
    // Each file 500 folders deep on a chain of its own: a few KB gzipped, and once many gigabytes of folder paths.
    [
      "deep, distinct folder chains",
      () => tarGz(Array.from({ length: 40 }, (_, i) => ({ name: `pb_hooks/${i}${"/a".repeat(500)}/f.js`, body: "" }))),
      422,
      /more than 10,000 folders/,
    ],
    ["a 1 GB decompression bomb", () => zeroBomb(1024 * 1024 * 1024), 413, /too large/],
  ] as const)(
    "refuses %s with a clear 4xx and stores nothing",
    async (what, build, status, message) => {
      const bytes = await build();
      const contentType = what.startsWith("a zip") ? "application/zip" : "application/gzip";
      const res = await upload(ids.a, bytes, { cookie: owner.cookie }, contentType);
      expect(res.status, res.text).toBe(status);
      expect(res.json.error?.message).toMatch(message);
      expect(fs.existsSync("/tmp/evil-zip-slip")).toBe(false);
      expect(fs.existsSync(path.join(storedDeploys(), "deploys"))).toBe(false);
      expect(fs.existsSync(path.join(storedDeploys(), "deploy-blobs"))).toBe(false);
      const work = path.join(web.orchestrator.dataDir, "work", "deploys");
      expect(fs.existsSync(work) ? fs.readdirSync(work) : []).toEqual([]);
    },
    120_000,
  );

  it("refuses other content types with 415 and an upload declared too large before reading it", async () => {
    const text = await upload(ids.a, Buffer.from("hello"), { cookie: owner.cookie }, "text/plain");
    expect(text.status).toBe(415);
    expect(text.json.error?.code).toBe("unsupported_media_type");
    const big = await uploadUntilAnswered(web.url, `/api/instances/${ids.a}/deploys`, {
      totalBytes: 0, // refused on the header alone (see bad-input.test.ts)
      declaredLength: 60 * 1024 * 1024,
      headers: { "content-type": "application/gzip", cookie: owner.cookie, origin: web.url },
    });
    expect(big.status).toBe(413);
    const list = await webRequest(web.url, "GET", `/api/instances/${ids.a}/deploys`, { cookie: owner.cookie });
    expect(list.json.deploys).toEqual([]);
  });
});

describe("who may deploy", () => {
  const bundle = () => tarGzFiles({ "pb_hooks/hello.pb.js": "// hello\n" });

  it("lets the owner and the instance's own key deploy, and nobody else", async () => {
    expect((await upload(ids.a, await bundle(), { cookie: other.cookie })).status).toBe(404);
    expect((await upload(ids.a, await bundle(), {})).status).toBe(401);
    expect((await upload(ids.a, await bundle(), { bearer: ids.bKey })).status).toBe(404);
    expect((await upload(ids.a, await bundle(), { bearer: ids.revokedKey })).status).toBe(401);
    const byKey = await upload(ids.a, await bundle(), { bearer: ids.aKey });
    expect(byKey.status, byKey.text).toBe(202);
    expect(byKey.json.deploy).toMatchObject({ status: "pending", author: expect.stringMatching(/^API key pbk_/) });
    const byOwner = await upload(ids.a, await bundle(), { cookie: owner.cookie });
    expect(byOwner.status, byOwner.text).toBe(202);
    expect(byOwner.json.deploy?.author).toMatch(/@/);
    const deployId = byOwner.json.deploy!.id;

    for (const [route, method] of [
      [`/api/instances/${ids.a}/deploys`, "GET"],
      [`/api/instances/${ids.a}/deploys/${deployId}`, "GET"],
      [`/api/instances/${ids.a}/deploys/${deployId}/files/pb_hooks/hello.pb.js`, "GET"],
      [`/api/instances/${ids.a}/deploys/${deployId}/rollback`, "POST"],
    ] as const) {
      expect((await webRequest(web.url, method, route, { cookie: other.cookie })).status, `${method} ${route} as another user`).toBe(404);
      expect((await webRequest(web.url, method, route, {})).status, `${method} ${route} anonymously`).toBe(401);
      expect((await webRequest(web.url, method, route, { bearer: ids.bKey })).status, `${method} ${route} with another instance's key`).toBe(404);
      expect((await webRequest(web.url, method, route, { bearer: ids.revokedKey })).status, `${method} ${route} with a revoked key`).toBe(401);
    }
    const list = await webRequest(web.url, "GET", `/api/instances/${ids.a}/deploys`, { bearer: ids.aKey });
    expect((list.json.deploys as Array<{ status: string }>).map((d) => d.status)).toEqual(["pending", "superseded"]);
    const file = await webRequest(web.url, "GET", `/api/instances/${ids.a}/deploys/${deployId}/files/pb_hooks/hello.pb.js`, { cookie: owner.cookie });
    expect(file.status).toBe(200);
    expect(file.text).toBe("// hello\n");
    // Another instance's deploy id under this instance is just not found.
    const bDeploy = await upload(ids.b, await bundle(), { cookie: other.cookie });
    expect((await webRequest(web.url, "GET", `/api/instances/${ids.a}/deploys/${bDeploy.json.deploy!.id}`, { cookie: owner.cookie })).status).toBe(404);
  });
});

/**
 * GET with the path sent exactly as given (fetch would resolve `%2E%2E` segments itself); what
 * came within 2 s, since a stream never ends.
 */
function rawGet(route: string, cookie: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get(`${web.url}${route}`, { headers: { cookie }, path: route }, (res) => {
      let text = "";
      const done = () => {
        clearTimeout(timer);
        resolve({ status: res.statusCode ?? 0, text });
        res.destroy();
      };
      const timer = setTimeout(done, 2000);
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => (text += chunk));
      res.on("end", done);
    });
    req.on("error", reject);
  });
}

describe("the file view", () => {
  it("keeps a file path with dot segments inside the caller's own instance and deploy", async () => {
    const mine = await upload(ids.a, await tarGzFiles({ "pb_hooks/mine.pb.js": "// mine\n" }), { cookie: owner.cookie });
    expect(mine.status, mine.text).toBe(202);
    const theirs = await upload(ids.b, await tarGzFiles({ "pb_hooks/theirs.pb.js": "// THEIR SECRET HOOK\n" }), { cookie: other.cookie });
    expect(theirs.status, theirs.text).toBe(202);
    const base = `/api/instances/${ids.a}/deploys/${mine.json.deploy!.id}/files`;
    const up = (n: number, dots = "%2E%2E") => Array.from({ length: n }, () => dots).join("/");
    for (const route of [
      // files/../../../../<B>/deploys/<B's deploy>/files/…: another owner's deploy file
      `${base}/${up(4)}/${ids.b}/deploys/${theirs.json.deploy!.id}/files/pb_hooks/theirs.pb.js`,
      `${base}/${up(4, "%2e.")}/${ids.b}/deploys/${theirs.json.deploy!.id}/files/pb_hooks/theirs.pb.js`,
      // …/../../../../../events: every instance's changes; …/<B>/logs: another tenant's log
      `${base}/${up(5)}/events`,
      `${base}/${up(4)}/${ids.b}/logs`,
      `${base}/${up(4)}/${ids.b}`,
      // `%2F` inside one segment: the route sees `../..`, which is not a dot segment to any URL parser until split
      `${base}/${up(4, "..%2F").replaceAll("/", "")}${ids.b}%2Fdeploys%2F${theirs.json.deploy!.id}%2Ffiles%2Fpb_hooks%2Ftheirs.pb.js`,
      `${base}/pb_hooks/..%2F..%2F..%2F..%2F..%2F${ids.b}%2Fdeploys%2F${theirs.json.deploy!.id}%2Ffiles%2Fpb_hooks%2Ftheirs.pb.js`,
      `${base}/${up(5, "..%2F").replaceAll("/", "")}events`,
      `${base}/${up(4, "..%2F").replaceAll("/", "")}${ids.b}%2Flogs`,
    ]) {
      const res = await rawGet(route, owner.cookie);
      expect(res.status, `${route}: ${res.text.slice(0, 200)}`).toBe(404);
      expect(res.text).not.toMatch(/THEIR SECRET|dep-b-|"lines"/);
    }
    const own = await rawGet(`${base}/pb_hooks/mine.pb.js`, owner.cookie);
    expect(own).toEqual({ status: 200, text: "// mine\n" });
  }, 60_000);
});
