import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestDns, type TestDns } from "../support/dns-server";
import { createSignedInUser, signIn, startWebPlatform, webRequest, type WebPlatform, type WebResponse } from "../support/web";
import { waitFor } from "../support/wait";

/**
 * Authorization table: every platform endpoint × every kind of caller. Another user's instance is
 * always 404 (existence never revealed); keys work only for status/start/stop of their instance;
 * an account token acts as its user everywhere except the password change.
 */
type Actor = "owner" | "other" | "anonymous" | "otherKey" | "revokedKey" | "validKey" | "ownerToken" | "revokedToken";
/** Expected status per caller; null = covered by a dedicated test below. */
type Endpoint = { name: string; method: string; path: () => string; body?: unknown; expect: Record<Actor, number | null> };

let web: WebPlatform;
/** Custom domains are checked against it (DNS_RESOLVER): no lookup leaves the machine. Its zone stays empty. */
let dns: TestDns;
let owner: { cookie: string; id: string; email: string; password: string };
let other: { cookie: string; id: string };
const ids = {
  a: "",
  b: "",
  aKey: "",
  aKeyId: "",
  bKey: "",
  revokedKey: "",
  bKeyId: "",
  ownerToken: "",
  ownerTokenId: "",
  revokedToken: "",
  spareTokenId: "",
  aDomainId: "",
  bDomainId: "",
};
const aSubdomain = `own-${Date.now().toString(36)}`;
const bSubdomain = `oth-${Date.now().toString(36)}`;

async function createInstance(cookie: string, subdomain: string): Promise<string> {
  const res = await webRequest(web.url, "POST", "/api/instances", { cookie, body: { name: `App ${subdomain}`, subdomain } });
  expect(res.status, res.text).toBe(201);
  return (res.json.instance as { id: string }).id;
}

async function createToken(cookie: string, name = "test"): Promise<{ token: string; id: string }> {
  const res = await webRequest(web.url, "POST", "/api/account/tokens", { cookie, body: { name } });
  expect(res.status, res.text).toBe(201);
  return res.json.token as { token: string; id: string };
}

async function createKey(cookie: string, instanceId: string): Promise<{ key: string; id: string }> {
  const res = await webRequest(web.url, "POST", `/api/instances/${instanceId}/keys`, { cookie, body: { name: "test" } });
  expect(res.status, res.text).toBe(201);
  return res.json.key as { key: string; id: string };
}

async function addDomain(auth: { cookie?: string; bearer?: string }, instanceId: string, hostname: string): Promise<string> {
  const res = await webRequest(web.url, "POST", `/api/instances/${instanceId}/domains`, { ...auth, body: { hostname } });
  expect(res.status, res.text).toBe(201);
  return (res.json.domain as { id: string }).id;
}

beforeAll(async () => {
  dns = await startTestDns();
  web = await startWebPlatform({ orchestratorEnv: { DNS_RESOLVER: dns.address } });
  owner = await createSignedInUser(web.url, "owner");
  other = await createSignedInUser(web.url, "other");
  ids.a = await createInstance(owner.cookie, aSubdomain);
  ids.b = await createInstance(other.cookie, bSubdomain);
  const aKey = await createKey(owner.cookie, ids.a);
  ids.aKey = aKey.key;
  ids.aKeyId = aKey.id;
  const bKey = await createKey(other.cookie, ids.b);
  ids.bKey = bKey.key;
  ids.bKeyId = bKey.id;
  const revoked = await createKey(owner.cookie, ids.a);
  ids.revokedKey = revoked.key;
  expect((await webRequest(web.url, "DELETE", `/api/instances/${ids.a}/keys/${revoked.id}`, { cookie: owner.cookie })).status).toBe(204);
  const token = await createToken(owner.cookie);
  ids.ownerToken = token.token;
  ids.ownerTokenId = token.id;
  ids.spareTokenId = (await createToken(owner.cookie, "spare")).id;
  const revokedToken = await createToken(owner.cookie, "revoked");
  ids.revokedToken = revokedToken.token;
  expect((await webRequest(web.url, "DELETE", `/api/account/tokens/${revokedToken.id}`, { cookie: owner.cookie })).status).toBe(204);
  ids.aDomainId = await addDomain({ cookie: owner.cookie }, ids.a, `authz-a-${Date.now().toString(36)}.customer.test`);
  ids.bDomainId = await addDomain({ cookie: other.cookie }, ids.b, `authz-b-${Date.now().toString(36)}.customer.test`);
});

afterAll(async () => {
  await web?.dispose();
  await dns?.close();
});

function credentials(actor: Actor): { cookie?: string; bearer?: string } {
  switch (actor) {
    case "owner":
      return { cookie: owner.cookie };
    case "other":
      return { cookie: other.cookie };
    case "anonymous":
      return {};
    case "otherKey":
      return { bearer: ids.bKey };
    case "revokedKey":
      return { bearer: ids.revokedKey };
    case "validKey":
      return { bearer: ids.aKey };
    case "ownerToken":
      return { bearer: ids.ownerToken };
    case "revokedToken":
      return { bearer: ids.revokedToken };
  }
}

// Expected status per caller. Keys and tokens: 401 when invalid/revoked; keys: 403 when valid but
// the endpoint takes no keys, 404 when valid for another instance on an endpoint that takes keys.
// The owner's account token gets what the owner gets.
const userOnly = (ownerStatus: number): Record<Actor, number> => ({
  owner: ownerStatus,
  other: 404,
  anonymous: 401,
  otherKey: 403,
  revokedKey: 401,
  validKey: 403,
  ownerToken: ownerStatus,
  revokedToken: 401,
});
const keyAllowed = (ok: number): Record<Actor, number> => ({
  owner: ok,
  other: 404,
  anonymous: 401,
  otherKey: 404,
  revokedKey: 401,
  validKey: ok,
  ownerToken: ok,
  revokedToken: 401,
});
const noInstance = (ok: number): Record<Actor, number> => ({
  owner: ok,
  other: ok,
  anonymous: 401,
  otherKey: 403,
  revokedKey: 401,
  validKey: 403,
  ownerToken: ok,
  revokedToken: 401,
});

const endpoints: Endpoint[] = [
  { name: "list instances", method: "GET", path: () => "/api/instances", expect: noInstance(200) },
  { name: "instance status", method: "GET", path: () => `/api/instances/${ids.a}`, expect: keyAllowed(200) },
  { name: "update instance", method: "PATCH", path: () => `/api/instances/${ids.a}`, body: { idleTimeoutMinutes: 30 }, expect: userOnly(200) },
  { name: "start", method: "POST", path: () => `/api/instances/${ids.a}/start`, expect: keyAllowed(202) },
  { name: "stop", method: "POST", path: () => `/api/instances/${ids.a}/stop`, expect: keyAllowed(202) },
  { name: "list keys", method: "GET", path: () => `/api/instances/${ids.a}/keys`, expect: userOnly(200) },
  { name: "create key", method: "POST", path: () => `/api/instances/${ids.a}/keys`, body: { name: "made by test" }, expect: userOnly(201) },
  { name: "logs", method: "GET", path: () => `/api/instances/${ids.a}/logs?lines=20`, expect: userOnly(200) },
  {
    name: "revoke another instance's key via this instance",
    method: "DELETE",
    path: () => `/api/instances/${ids.a}/keys/${ids.bKeyId}`,
    expect: { ...userOnly(404) },
  },
  { name: "admin SSO", method: "POST", path: () => `/api/instances/${ids.a}/sso`, expect: { ...userOnly(200), owner: null, ownerToken: null } },
  { name: "subdomain check", method: "GET", path: () => `/api/subdomains/free-${Date.now().toString(36)}`, expect: noInstance(200) },
  {
    name: "change password (wrong current)",
    method: "POST",
    path: () => "/api/account/password",
    body: { currentPassword: "wrong-one!", newPassword: "another-pass-1" },
    expect: { ...noInstance(422), ownerToken: 403 },
  },
  { name: "list secrets", method: "GET", path: () => `/api/instances/${ids.a}/secrets`, expect: userOnly(200) },
  {
    name: "set secrets",
    method: "PATCH",
    path: () => `/api/instances/${ids.a}/secrets`,
    body: { set: { AUTHZ_SECRET: "authz-value" } },
    expect: userOnly(200),
  },
  { name: "unset secrets", method: "PATCH", path: () => `/api/instances/${ids.a}/secrets`, body: { unset: ["AUTHZ_SECRET"] }, expect: userOnly(200) },
  { name: "secrets of another user's instance", method: "GET", path: () => `/api/instances/${ids.b}/secrets`, expect: { ...userOnly(404), other: 200 } },
  { name: "backups overview", method: "GET", path: () => `/api/instances/${ids.a}/backups`, expect: userOnly(200) },
  { name: "restore (bad moment)", method: "POST", path: () => `/api/instances/${ids.a}/restore`, body: { at: "last tuesday" }, expect: userOnly(422) },
  {
    name: "clone (bad subdomain)",
    method: "POST",
    path: () => `/api/instances/${ids.a}/clone`,
    body: { at: new Date().toISOString(), name: "x", subdomain: "No!" },
    expect: userOnly(422),
  },
  { name: "download", method: "GET", path: () => `/api/instances/${ids.a}/download`, expect: userOnly(200) },
  { name: "download another user's instance", method: "GET", path: () => `/api/instances/${ids.b}/download`, expect: { ...userOnly(404), other: 200 } },
  { name: "list domains", method: "GET", path: () => `/api/instances/${ids.a}/domains`, expect: userOnly(200) },
  {
    name: "add domain (not a domain name)",
    method: "POST",
    path: () => `/api/instances/${ids.a}/domains`,
    body: { hostname: "https://api.example.com/" },
    expect: userOnly(422),
  },
  { name: "check domains", method: "POST", path: () => `/api/instances/${ids.a}/domains/check`, expect: userOnly(200) },
  { name: "make a domain primary", method: "POST", path: () => `/api/instances/${ids.a}/domains/${ids.aDomainId}/primary`, expect: userOnly(200) },
  {
    name: "make another instance's domain primary via this instance",
    method: "POST",
    path: () => `/api/instances/${ids.a}/domains/${ids.bDomainId}/primary`,
    expect: userOnly(404),
  },
  {
    name: "remove another instance's domain via this instance",
    method: "DELETE",
    path: () => `/api/instances/${ids.a}/domains/${ids.bDomainId}`,
    expect: userOnly(404),
  },
  { name: "domains of another user's instance", method: "GET", path: () => `/api/instances/${ids.b}/domains`, expect: { ...userOnly(404), other: 200 } },
  { name: "import (bad name)", method: "POST", path: () => "/api/instances/import?name=&subdomain=x", body: { not: "a zip" }, expect: noInstance(422) },
  { name: "list account tokens", method: "GET", path: () => "/api/account/tokens", expect: noInstance(200) },
  { name: "create account token", method: "POST", path: () => "/api/account/tokens", body: { name: "made by test" }, expect: noInstance(201) },
  { name: "revoke account token", method: "DELETE", path: () => `/api/account/tokens/${ids.spareTokenId}`, expect: { ...noInstance(204), other: 404 } },
];

const actors: Actor[] = ["owner", "other", "anonymous", "otherKey", "revokedKey", "validKey", "ownerToken", "revokedToken"];

/** Nothing about the other user's instance may appear in the owner's responses, and vice versa. */
function assertNoForeignData(actor: Actor, res: WebResponse): void {
  if (actor === "owner" || actor === "validKey" || actor === "ownerToken") {
    expect(res.text).not.toContain(ids.b);
    expect(res.text).not.toContain(bSubdomain);
  } else {
    expect(res.text).not.toContain(ids.a);
    expect(res.text).not.toContain(aSubdomain);
  }
  expect(res.text).not.toMatch(/superuser|password_hash|passwordHash|keyHash|tokenHash|valueEnc|authz-value/i);
  for (const secret of [ids.aKey, ids.bKey, ids.ownerToken, ids.revokedToken]) expect(res.text).not.toContain(secret.slice(-43));
}

describe("platform API authorization table", () => {
  for (const endpoint of endpoints) {
    for (const actor of actors.filter((a) => endpoint.expect[a] !== null)) {
      it(`${endpoint.method} ${endpoint.name} as ${actor} → ${endpoint.expect[actor]}`, async () => {
        const res = await webRequest(web.url, endpoint.method, endpoint.path(), { ...credentials(actor), body: endpoint.body });
        expect(res.status, res.text).toBe(endpoint.expect[actor]);
        if (res.status >= 400) expect((res.json.error as { message?: string }).message).toEqual(expect.any(String));
        assertNoForeignData(actor, res);
      });
    }
  }

  it("lists only the caller's own instances and keys", async () => {
    const mine = await webRequest(web.url, "GET", "/api/instances", { cookie: owner.cookie });
    expect((mine.json.instances as { id: string }[]).map((i) => i.id)).toEqual([ids.a]);
    const theirs = await webRequest(web.url, "GET", "/api/instances", { cookie: other.cookie });
    expect((theirs.json.instances as { id: string }[]).map((i) => i.id)).toEqual([ids.b]);
    const keys = await webRequest(web.url, "GET", `/api/instances/${ids.a}/keys`, { cookie: owner.cookie });
    expect(keys.text).not.toContain(ids.aKey);
    expect(keys.text).not.toContain(ids.aKey.slice(-43));
  });

  it("records last use of a key", async () => {
    const keys = await webRequest(web.url, "GET", `/api/instances/${ids.a}/keys`, { cookie: owner.cookie });
    const used = (keys.json.keys as { id: string; lastUsedAt: string | null }[]).find((k) => k.id === ids.aKeyId);
    expect(used?.lastUsedAt).toEqual(expect.any(String));
  });

  it("refuses a garbage bearer token and a key-shaped token that was never issued", async () => {
    for (const bearer of ["pbk_nonsense", `pbk_${"a".repeat(12)}_${"b".repeat(43)}`]) {
      const res = await webRequest(web.url, "GET", `/api/instances/${ids.a}`, { bearer });
      expect(res.status).toBe(401);
    }
  });

  it("deletes only as the owner: other user 404, key 403, owner 204, then gone", async () => {
    expect((await webRequest(web.url, "DELETE", `/api/instances/${ids.b}`, { cookie: owner.cookie })).status).toBe(404);
    expect((await webRequest(web.url, "DELETE", `/api/instances/${ids.b}`)).status).toBe(401);
    expect((await webRequest(web.url, "DELETE", `/api/instances/${ids.b}`, { bearer: ids.bKey })).status).toBe(403);
    expect((await webRequest(web.url, "DELETE", `/api/instances/${ids.b}`, { bearer: ids.aKey })).status).toBe(403);
    expect((await webRequest(web.url, "GET", `/api/instances/${ids.b}`, { cookie: other.cookie })).status).toBe(200);
    await waitFor("instance b stopped", async () => {
      const r = await webRequest(web.url, "GET", `/api/instances/${ids.b}`, { cookie: other.cookie });
      return (r.json.instance as { status: string }).status === "stopped" ? true : undefined;
    });
    expect((await webRequest(web.url, "DELETE", `/api/instances/${ids.b}`, { cookie: other.cookie })).status).toBe(204);
    expect((await webRequest(web.url, "GET", `/api/instances/${ids.b}`, { cookie: other.cookie })).status).toBe(404);
    expect((await webRequest(web.url, "GET", `/api/instances/${ids.b}`, { bearer: ids.bKey })).status).toBe(401);
  });
});

describe("account tokens", () => {
  it("act as their user on instance endpoints without the same-origin check cookies need", async () => {
    const evil = { origin: "http://evil.localhost:1", "sec-fetch-site": "cross-site" };
    const list = await webRequest(web.url, "GET", "/api/instances", { bearer: ids.ownerToken });
    expect((list.json.instances as { id: string }[]).map((i) => i.id)).toContain(ids.a);
    const renamed = await webRequest(web.url, "PATCH", `/api/instances/${ids.a}`, {
      bearer: ids.ownerToken,
      headers: evil,
      body: { name: "Renamed by token" },
    });
    expect(renamed.status, renamed.text).toBe(200);
    expect(renamed.json.instance).toMatchObject({ id: ids.a, name: "Renamed by token" });
  });

  it("of another user see the owner's instance as missing", async () => {
    const { token } = await createToken(other.cookie);
    for (const [method, route] of [
      ["GET", `/api/instances/${ids.a}`],
      ["GET", `/api/instances/${ids.a}/secrets`],
      ["POST", `/api/instances/${ids.a}/start`],
      ["GET", `/api/instances/${ids.a}/keys`],
      ["GET", `/api/instances/${ids.a}/domains`],
      ["DELETE", `/api/instances/${ids.a}/domains/${ids.aDomainId}`],
    ] as const) {
      const res = await webRequest(web.url, method, route, { bearer: token });
      expect(res.status, `${method} ${route}`).toBe(404);
    }
    const tokens = await webRequest(web.url, "GET", "/api/account/tokens", { bearer: token });
    expect(tokens.text).not.toContain(ids.ownerTokenId);
  });

  it("add and remove custom domains as their user", async () => {
    const hostname = `token-${Date.now().toString(36)}.customer.test`;
    const id = await addDomain({ bearer: ids.ownerToken }, ids.a, hostname);
    const listed = await webRequest(web.url, "GET", `/api/instances/${ids.a}/domains`, { cookie: owner.cookie });
    expect(listed.json.domains).toContainEqual(expect.objectContaining({ id, hostname, status: "pending" }));
    expect((await webRequest(web.url, "DELETE", `/api/instances/${ids.a}/domains/${id}`, { bearer: ids.ownerToken })).status).toBe(204);
    expect((await webRequest(web.url, "DELETE", `/api/instances/${ids.a}/domains/${id}`, { bearer: ids.ownerToken })).status).toBe(404);
    expect((await webRequest(web.url, "GET", `/api/instances/${ids.a}/domains`, { cookie: owner.cookie })).text).not.toContain(hostname);
  });

  it("cannot change the password, even with the right current password", async () => {
    const res = await webRequest(web.url, "POST", "/api/account/password", {
      bearer: ids.ownerToken,
      body: { currentPassword: owner.password, newPassword: "taken-over-1" },
    });
    expect(res.status, res.text).toBe(403);
    expect((await signIn(web.url, owner.email, owner.password)).cookie).toEqual(expect.any(String));
    expect((await signIn(web.url, owner.email, "taken-over-1")).error).toBe("CredentialsSignin");
  });

  it("are listed with their last use and never their secret", async () => {
    const res = await webRequest(web.url, "GET", "/api/account/tokens", { cookie: owner.cookie });
    const mine = (res.json.tokens as { id: string; prefix: string; lastUsedAt: string | null }[]).find((t) => t.id === ids.ownerTokenId);
    expect(mine).toMatchObject({ prefix: `pbt_${ids.ownerTokenId}`, lastUsedAt: expect.any(String) });
    expect(res.text).not.toContain(ids.ownerToken.slice(-43));
  });

  it("stop at once when revoked, even by themselves", async () => {
    const { token, id } = await createToken(owner.cookie, "short-lived");
    expect((await webRequest(web.url, "GET", "/api/instances", { bearer: token })).status).toBe(200);
    expect((await webRequest(web.url, "DELETE", `/api/account/tokens/${id}`, { bearer: token })).status).toBe(204);
    expect((await webRequest(web.url, "GET", "/api/instances", { bearer: token })).status).toBe(401);
    for (const bearer of ["pbt_nonsense", `pbt_${"a".repeat(12)}_${"b".repeat(43)}`]) {
      expect((await webRequest(web.url, "GET", "/api/instances", { bearer })).status).toBe(401);
    }
  });
});

describe("pages", () => {
  it.each([
    ["/dashboard", "anonymous", 307],
    ["/dashboard/account", "anonymous", 307],
    ["/dashboard", "owner", 200],
    ["/dashboard/account", "owner", 200],
    ["/signin", "owner", 307],
    ["/signup", "owner", 307],
    ["/signin", "anonymous", 200],
    ["/", "anonymous", 200],
  ] as const)("GET %s as %s → %i", async (path, actor, status) => {
    const res = await webRequest(web.url, "GET", path, credentials(actor));
    expect(res.status).toBe(status);
    if (status === 307) expect(res.headers.get("location")).toMatch(actor === "anonymous" ? /\/signin\?callbackUrl=/ : /\/dashboard$/);
  });

  it("renders an instance page only for its owner", async () => {
    const mine = await webRequest(web.url, "GET", `/dashboard/instances/${ids.a}`, { cookie: owner.cookie });
    expect(mine.status).toBe(200);
    expect(mine.text).toContain(aSubdomain);
    // With a loading boundary the page streams, so Next sends not-found content with the status it
    // already committed; what matters is that another's instance looks exactly like a missing one.
    const theirs = await webRequest(web.url, "GET", `/dashboard/instances/${ids.a}`, { cookie: other.cookie });
    const missing = await webRequest(web.url, "GET", "/dashboard/instances/no-such-instance", { cookie: other.cookie });
    expect(theirs.status).toBe(missing.status);
    expect(missing.text).toContain("Instance not found");
    expect(theirs.text).not.toContain(aSubdomain);
    expect(theirs.text).toContain("Instance not found");
    expect((await webRequest(web.url, "GET", `/dashboard/instances/${ids.a}`)).status).toBe(307);
  });
});

describe("cross-site writes", () => {
  // Tenant apps are served from sibling subdomains (same site), so a page there could make the
  // owner's browser send the session cookie; the platform refuses such writes.
  const evil = { origin: "http://evil.localhost:1", "sec-fetch-site": "same-site" };
  it.each([
    ["POST", (): string => `/api/instances/${ids.a}/stop`, undefined, evil],
    ["POST", (): string => `/api/instances/${ids.a}/keys`, { name: "planted" }, evil],
    ["POST", (): string => `/api/instances/${ids.a}/domains`, { hostname: "planted.example.com" }, evil],
    ["POST", (): string => "/api/instances", { name: "Planted", subdomain: "planted-one" }, { origin: "http://evil.localhost:1" }],
    ["PATCH", (): string => `/api/instances/${ids.a}`, { name: "Pwned" }, { "sec-fetch-site": "cross-site" }],
  ] as const)("refuses cookie %s with foreign origin (%#)", async (method, route, body, headers) => {
    const keysBefore = await webRequest(web.url, "GET", `/api/instances/${ids.a}/keys`, { cookie: owner.cookie });
    const res = await webRequest(web.url, method, route(), { cookie: owner.cookie, body, headers });
    expect(res.status, res.text).toBe(403);
    expect((res.json.error as { message: string }).message).toMatch(/Cross-site request refused/);
    expect((await webRequest(web.url, "GET", `/api/instances/${ids.a}/keys`, { cookie: owner.cookie })).text).toBe(keysBefore.text);
    const list = await webRequest(web.url, "GET", "/api/instances", { cookie: owner.cookie });
    expect(list.text).not.toMatch(/Planted|Pwned/);
  });

  it("accepts same-origin writes from the dashboard and key calls from anywhere", async () => {
    const same = { origin: web.url, "sec-fetch-site": "same-origin" };
    expect(
      (await webRequest(web.url, "PATCH", `/api/instances/${ids.a}`, { cookie: owner.cookie, body: { idleTimeoutMinutes: 20 }, headers: same })).status,
    ).toBe(200);
    expect((await webRequest(web.url, "POST", `/api/instances/${ids.a}/stop`, { bearer: ids.aKey, headers: evil })).status).toBe(202);
    expect((await webRequest(web.url, "POST", `/api/instances/${ids.a}/stop`, { bearer: ids.ownerToken, headers: evil })).status).toBe(202);
  });
});

describe("scripting with an API key", () => {
  it("starts and stops its instance, waiting with ?wait=1", async () => {
    const sub = `key-${Date.now().toString(36)}`;
    const id = await createInstance(owner.cookie, sub);
    const { key } = await createKey(owner.cookie, id);
    const started = await webRequest(web.url, "POST", `/api/instances/${id}/start?wait=1`, { bearer: key });
    expect(started.status, started.text).toBe(200);
    expect(started.json.instance).toMatchObject({
      id,
      status: "running",
      desiredState: "running",
      url: `http://${sub}.localhost:${web.orchestrator.gatewayPort}`,
    });
    const stopped = await webRequest(web.url, "POST", `/api/instances/${id}/stop?wait=1`, { bearer: key });
    expect(stopped.status, stopped.text).toBe(200);
    expect(stopped.json.instance).toMatchObject({ status: "stopped", desiredState: "stopped" });
    expect((stopped.json.instance as { storageBytes: number }).storageBytes).toBeGreaterThan(0);
    expect((await webRequest(web.url, "DELETE", `/api/instances/${id}`, { cookie: owner.cookie })).status).toBe(204);
  });
});

describe("admin SSO", () => {
  it("gives the owner a one-time URL on the running instance's own origin", async () => {
    const sub = `sso-${Date.now().toString(36)}`;
    const id = await createInstance(owner.cookie, sub);
    expect((await webRequest(web.url, "POST", `/api/instances/${id}/start?wait=1`, { cookie: owner.cookie })).status).toBe(200);
    const res = await webRequest(web.url, "POST", `/api/instances/${id}/sso`, { cookie: owner.cookie });
    expect(res.status, res.text).toBe(200);
    expect(new URL(res.json.url as string).origin).toBe(`http://${sub}.localhost:${web.orchestrator.gatewayPort}`);
    expect((await webRequest(web.url, "POST", `/api/instances/${id}/sso`, { cookie: other.cookie })).status).toBe(404);
    expect((await webRequest(web.url, "POST", `/api/instances/${id}/stop?wait=1`, { cookie: owner.cookie })).status).toBe(200);
    expect((await webRequest(web.url, "DELETE", `/api/instances/${id}`, { cookie: owner.cookie })).status).toBe(204);
  });
});

describe("live events", () => {
  it("streams the owner's instance changes and nothing of other users", async () => {
    const otherInstance = await createInstance(other.cookie, `ev-${Date.now().toString(36)}`);
    const controller = new AbortController();
    const res = await fetch(`${web.url}/api/instances/events`, { headers: { cookie: owner.cookie }, signal: controller.signal });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/event-stream");
    const reader = res.body!.getReader();
    let text = "";
    const read = async () => {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        text += new TextDecoder().decode(value);
      }
    };
    const reading = read().catch(() => undefined); // ends with the abort below
    await waitFor("stream ready", () => (text.includes("event: ready") ? true : undefined));
    await webRequest(web.url, "PATCH", `/api/instances/${otherInstance}`, { cookie: other.cookie, body: { name: "Other renamed" } });
    await webRequest(web.url, "PATCH", `/api/instances/${ids.a}`, { cookie: owner.cookie, body: { name: "Owner renamed" } });
    await waitFor("owner's change", () => (text.includes("Owner renamed") ? true : undefined));
    const doomed = await createInstance(owner.cookie, `gone-${Date.now().toString(36)}`);
    expect((await webRequest(web.url, "DELETE", `/api/instances/${otherInstance}`, { cookie: other.cookie })).status).toBe(204);
    expect((await webRequest(web.url, "DELETE", `/api/instances/${doomed}`, { cookie: owner.cookie })).status).toBe(204);
    await waitFor("owner's deletion", () => (text.includes(`event: instance-deleted\ndata: {"id":"${doomed}"}`) ? true : undefined));
    controller.abort();
    await reading;
    expect(text).not.toContain(otherInstance);
    expect(text).not.toContain("Other renamed");
    expect((await webRequest(web.url, "GET", "/api/instances/events")).status).toBe(401);
  });
});
