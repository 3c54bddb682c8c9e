import { count, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiKeys, instances, users } from "../../lib/db/schema";
import { createSignedInUser, signIn, startWebPlatform, uploadUntilAnswered, webRequest, type WebPlatform } from "../support/web";

/** Bad input on every endpoint: a clear 4xx with a readable message, and nothing changed. */
let web: WebPlatform;
let user: { cookie: string; id: string; email: string; password: string };
let instanceId = "";
const subdomain = `bad-${Date.now().toString(36)}`;

async function snapshot() {
  const db = web.orchestrator.db;
  const [u] = await db.select({ n: count() }).from(users);
  const rows = await db.select().from(instances).orderBy(instances.id);
  const keys = await db.select().from(apiKeys).orderBy(apiKeys.id);
  const hash = (await db.select({ h: users.passwordHash }).from(users).where(eq(users.id, user.id)))[0]?.h;
  return JSON.stringify({ users: u?.n, rows, keys, hash });
}

beforeAll(async () => {
  web = await startWebPlatform({ env: { INSTANCE_QUOTA: "2" } });
  user = await createSignedInUser(web.url, "bad");
  const res = await webRequest(web.url, "POST", "/api/instances", { cookie: user.cookie, body: { name: "First", subdomain } });
  expect(res.status, res.text).toBe(201);
  instanceId = (res.json.instance as { id: string }).id;
});

afterAll(async () => {
  await web?.dispose();
});

/** A JSON body just over the 1 MB limit that is otherwise valid for the route. */
const oversized = (fields: Record<string, unknown>) => JSON.stringify({ ...fields, padding: "x".repeat(1024 * 1024) });
const malformed = "%E0%A4%A"; // a truncated UTF-8 sequence: no valid decoding exists

type Case = {
  name: string;
  method: string;
  path: () => string;
  rawBody?: string;
  body?: unknown | (() => unknown);
  status: number;
  message: RegExp;
  field?: string;
  anonymous?: boolean;
};

const cases: Case[] = [
  { name: "signup: malformed JSON", method: "POST", path: () => "/api/auth/signup", rawBody: '{"name":', status: 400, message: /valid JSON/, anonymous: true },
  {
    name: "signup: not an object",
    method: "POST",
    path: () => "/api/auth/signup",
    rawBody: "[1,2]",
    status: 422,
    message: /expected object|Invalid/i,
    anonymous: true,
  },
  {
    name: "signup: bad email",
    method: "POST",
    path: () => "/api/auth/signup",
    body: { name: "X", email: "not-an-email", password: "long-enough" },
    status: 422,
    message: /valid email/,
    field: "email",
    anonymous: true,
  },
  {
    name: "signup: short password",
    method: "POST",
    path: () => "/api/auth/signup",
    body: { name: "X", email: "x1@example.com", password: "short" },
    status: 422,
    message: /at least 8/,
    field: "password",
    anonymous: true,
  },
  {
    name: "signup: duplicate email (other case)",
    method: "POST",
    path: () => "/api/auth/signup",
    body: () => ({ name: "X", email: user.email.toUpperCase(), password: "long-enough" }),
    status: 409,
    message: /already exists/,
    anonymous: true,
  },
  { name: "create: malformed JSON", method: "POST", path: () => "/api/instances", rawBody: "{oops", status: 400, message: /valid JSON/ },
  {
    name: "create: invalid subdomain",
    method: "POST",
    path: () => "/api/instances",
    body: { name: "X", subdomain: "Bad_Name!" },
    status: 422,
    message: /letters, digits and hyphens/,
    field: "subdomain",
  },
  {
    name: "create: too short subdomain",
    method: "POST",
    path: () => "/api/instances",
    body: { name: "X", subdomain: "ab" },
    status: 422,
    message: /at least 3/,
    field: "subdomain",
  },
  {
    name: "create: reserved subdomain",
    method: "POST",
    path: () => "/api/instances",
    body: { name: "X", subdomain: "admin" },
    status: 422,
    message: /reserved/,
    field: "subdomain",
  },
  {
    name: "create: duplicate subdomain",
    method: "POST",
    path: () => "/api/instances",
    body: { name: "X", subdomain },
    status: 409,
    message: /taken|exists|in use/i,
  },
  {
    name: "create: too-long name",
    method: "POST",
    path: () => "/api/instances",
    body: { name: "n".repeat(65), subdomain: "fine-name" },
    status: 422,
    message: /at most 64/,
    field: "name",
  },
  {
    name: "create: missing name",
    method: "POST",
    path: () => "/api/instances",
    body: { subdomain: "fine-name" },
    status: 422,
    message: /Name is required/,
    field: "name",
  },
  { name: "update: malformed JSON", method: "PATCH", path: () => `/api/instances/${instanceId}`, rawBody: "nope", status: 400, message: /valid JSON/ },
  {
    name: "update: negative idle",
    method: "PATCH",
    path: () => `/api/instances/${instanceId}`,
    body: { idleTimeoutMinutes: -1 },
    status: 422,
    message: /negative/,
    field: "idleTimeoutMinutes",
  },
  {
    name: "update: fractional idle",
    method: "PATCH",
    path: () => `/api/instances/${instanceId}`,
    body: { idleTimeoutMinutes: 1.5 },
    status: 422,
    message: /whole number/,
    field: "idleTimeoutMinutes",
  },
  {
    name: "update: idle as text",
    method: "PATCH",
    path: () => `/api/instances/${instanceId}`,
    body: { idleTimeoutMinutes: "ten" },
    status: 422,
    message: /number of minutes/,
    field: "idleTimeoutMinutes",
  },
  {
    name: "update: empty name",
    method: "PATCH",
    path: () => `/api/instances/${instanceId}`,
    body: { name: "  " },
    status: 422,
    message: /Name is required/,
    field: "name",
  },
  { name: "update: unknown instance", method: "PATCH", path: () => "/api/instances/does-not-exist", body: { name: "x" }, status: 404, message: /not found/i },
  { name: "key: malformed JSON", method: "POST", path: () => `/api/instances/${instanceId}/keys`, rawBody: "{", status: 400, message: /valid JSON/ },
  {
    name: "key: empty name",
    method: "POST",
    path: () => `/api/instances/${instanceId}/keys`,
    body: { name: "" },
    status: 422,
    message: /Name is required/,
    field: "name",
  },
  {
    name: "key: too-long name",
    method: "POST",
    path: () => `/api/instances/${instanceId}/keys`,
    body: { name: "k".repeat(65) },
    status: 422,
    message: /at most 64/,
    field: "name",
  },
  { name: "key: revoke unknown", method: "DELETE", path: () => `/api/instances/${instanceId}/keys/nope`, status: 404, message: /not found/i },
  { name: "logs: lines=0", method: "GET", path: () => `/api/instances/${instanceId}/logs?lines=0`, status: 422, message: /at least 1/ },
  { name: "logs: lines=abc", method: "GET", path: () => `/api/instances/${instanceId}/logs?lines=abc`, status: 422, message: /number/i },
  { name: "password: malformed JSON", method: "POST", path: () => "/api/account/password", rawBody: "{]", status: 400, message: /valid JSON/ },
  {
    name: "password: wrong current",
    method: "POST",
    path: () => "/api/account/password",
    body: { currentPassword: "not-my-password", newPassword: "brand-new-pass" },
    status: 422,
    message: /current password is not correct/,
    field: "currentPassword",
  },
  {
    name: "password: too short new",
    method: "POST",
    path: () => "/api/account/password",
    body: { currentPassword: "x", newPassword: "short" },
    status: 422,
    message: /at least 8/,
    field: "newPassword",
  },
  { name: "subdomain check: reserved", method: "GET", path: () => "/api/subdomains/www", status: 422, message: /reserved/ },
  { name: "subdomain check: invalid", method: "GET", path: () => "/api/subdomains/-bad-", status: 422, message: /start and end/ },
  // Malformed percent-encoding in a path is the client's mistake (400), never a 500; a valid
  // encoding is decoded once only (%25E0 is the text "%E0", an invalid subdomain, not a bad URL).
  { name: "subdomain check: malformed encoding", method: "GET", path: () => `/api/subdomains/${malformed}`, status: 400, message: /encod/i },
  { name: "subdomain check: lone percent", method: "GET", path: () => "/api/subdomains/%", status: 400, message: /encod/i },
  {
    name: "subdomain check: encoded percent is decoded once",
    method: "GET",
    path: () => "/api/subdomains/%25E0",
    status: 422,
    message: /letters, digits and hyphens/,
  },
  { name: "instance: malformed encoding", method: "GET", path: () => `/api/instances/${malformed}`, status: 400, message: /encod/i },
  { name: "update: malformed encoding", method: "PATCH", path: () => `/api/instances/${malformed}`, body: { name: "x" }, status: 400, message: /encod/i },
  { name: "delete: malformed encoding", method: "DELETE", path: () => `/api/instances/${malformed}`, status: 400, message: /encod/i },
  { name: "keys: malformed encoding", method: "GET", path: () => `/api/instances/${malformed}/keys`, status: 400, message: /encod/i },
  {
    name: "key create: malformed encoding",
    method: "POST",
    path: () => `/api/instances/${malformed}/keys`,
    body: { name: "x" },
    status: 400,
    message: /encod/i,
  },
  { name: "key revoke: malformed key id", method: "DELETE", path: () => `/api/instances/${instanceId}/keys/${malformed}`, status: 400, message: /encod/i },
  { name: "logs: malformed encoding", method: "GET", path: () => `/api/instances/${malformed}/logs`, status: 400, message: /encod/i },
  { name: "start: malformed encoding", method: "POST", path: () => `/api/instances/${malformed}/start`, status: 400, message: /encod/i },
  { name: "stop: malformed encoding", method: "POST", path: () => `/api/instances/${malformed}/stop`, status: 400, message: /encod/i },
  { name: "sso: malformed encoding", method: "POST", path: () => `/api/instances/${malformed}/sso`, status: 400, message: /encod/i },
  { name: "next-auth: malformed encoding", method: "GET", path: () => `/api/auth/${malformed}`, status: 400, message: /encod/i, anonymous: true },
  // Bodies are bounded (1 MB of JSON): a larger one is refused with 413 before it is parsed.
  {
    name: "signup: body over 1 MB",
    method: "POST",
    path: () => "/api/auth/signup",
    rawBody: oversized({ name: "Big", email: "big@example.com", password: "long-enough" }),
    status: 413,
    message: /too large/i,
    anonymous: true,
  },
  {
    name: "create: body over 1 MB",
    method: "POST",
    path: () => "/api/instances",
    rawBody: oversized({ name: "Big", subdomain: "big-one" }),
    status: 413,
    message: /too large/i,
  },
  {
    name: "update: body over 1 MB",
    method: "PATCH",
    path: () => `/api/instances/${instanceId}`,
    rawBody: oversized({ name: "Big" }),
    status: 413,
    message: /too large/i,
  },
  {
    name: "key: body over 1 MB",
    method: "POST",
    path: () => `/api/instances/${instanceId}/keys`,
    rawBody: oversized({ name: "Big" }),
    status: 413,
    message: /too large/i,
  },
  {
    name: "password: body over 1 MB",
    method: "POST",
    path: () => "/api/account/password",
    rawBody: oversized({ currentPassword: "x", newPassword: "brand-new-pass" }),
    status: 413,
    message: /too large/i,
  },
];

describe("bad input leaves everything unchanged", () => {
  for (const c of cases) {
    it(`${c.name} → ${c.status}`, async () => {
      const before = await snapshot();
      const res = await webRequest(web.url, c.method, c.path(), {
        cookie: c.anonymous ? undefined : user.cookie,
        body: typeof c.body === "function" ? c.body() : c.body,
        rawBody: c.rawBody,
      });
      expect(res.status, res.text).toBe(c.status);
      const error = res.json.error as { message: string; details?: { fieldErrors?: Record<string, string[]> } };
      expect(error.message).toMatch(c.message);
      if (c.field) expect(error.details?.fieldErrors?.[c.field]?.[0]).toEqual(expect.any(String));
      expect(await snapshot()).toBe(before);
    });
  }

  it("answers a malformed page URL with 400, not 500", async () => {
    const res = await webRequest(web.url, "GET", `/dashboard/instances/${malformed}`, { cookie: user.cookie });
    expect(res.status).toBe(400);
  });

  it("refuses a declared Content-Length over the limit before the body arrives", async () => {
    // 400 MB announced and nothing sent: only a refusal on the header alone answers before the
    // timeout. (Sending part of the body would race the server's close: unread bytes make the
    // kernel reset the connection, which can discard the answer before the client reads it.)
    const res = await uploadUntilAnswered(web.url, "/api/auth/signup", { declaredLength: 400 * 1024 * 1024, totalBytes: 0, timeoutMs: 10_000 });
    expect(res.status).toBe(413);
    expect(JSON.parse(res.body)).toMatchObject({ error: { code: "payload_too_large", message: expect.stringMatching(/too large/i) } });
  });

  it("stops reading a chunked body without Content-Length at the limit", async () => {
    const total = 64 * 1024 * 1024;
    // The server closes with the rest of the body unread, so the kernel may answer the client's next
    // chunk with a reset that overtakes the 413 on a loaded machine: a client that lost it sends again.
    const upload = () => uploadUntilAnswered(web.url, "/api/instances", { totalBytes: total, headers: { cookie: user.cookie } });
    const res = await upload().catch((err: unknown) => (/closed without an answer/.test(String(err)) ? upload() : Promise.reject(err)));
    expect(res.status).toBe(413);
    expect(JSON.parse(res.body)).toMatchObject({ error: { code: "payload_too_large" } });
    expect(res.bytesSent).toBeLessThan(total); // answered while the client was still sending
  });

  it("bounds next-auth's sign-in body too, and answers malformed JSON there with 400", async () => {
    const { csrfToken } = (await (await fetch(`${web.url}/api/auth/csrf`)).json()) as { csrfToken: string };
    const form = new URLSearchParams({ csrfToken, email: user.email, password: "x".repeat(2 * 1024 * 1024), json: "true" });
    const big = await fetch(`${web.url}/api/auth/callback/credentials`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: form,
      redirect: "manual",
    });
    expect(big.status).toBe(413);
    expect(((await big.json()) as { error: { code: string } }).error.code).toBe("payload_too_large");
    const streamed = await uploadUntilAnswered(web.url, "/api/auth/callback/credentials", {
      declaredLength: 400 * 1024 * 1024,
      totalBytes: 64 * 1024,
      timeoutMs: 10_000,
      headers: { "content-type": "application/x-www-form-urlencoded" },
    });
    expect(streamed.status).toBe(413);
    const broken = await fetch(`${web.url}/api/auth/callback/credentials`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{",
      redirect: "manual",
    });
    expect(broken.status).toBe(400);
    expect(((await broken.json()) as { error: { code: string } }).error.code).toBe("bad_request");
  });

  it("creates exactly the quota when 30 creates race", async () => {
    const racer = await createSignedInUser(web.url, "racer");
    const tag = Date.now().toString(36);
    const results = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        webRequest(web.url, "POST", "/api/instances", { cookie: racer.cookie, body: { name: `Race ${i}`, subdomain: `race-${tag}-${i}` } }),
      ),
    );
    const statuses = results.map((r) => r.status).sort();
    expect(statuses.filter((s) => s === 201)).toHaveLength(2);
    expect(statuses.filter((s) => s === 403)).toHaveLength(28);
    expect(results.find((r) => r.status === 403)?.json.error).toMatchObject({ code: "quota_exceeded", details: { quota: 2 } });
    const [row] = await web.orchestrator.db.select({ n: count() }).from(instances).where(eq(instances.ownerId, racer.id));
    expect(row?.n).toBe(2);
  });

  it("subdomain check reports taken and free names", async () => {
    const taken = await webRequest(web.url, "GET", `/api/subdomains/${subdomain}`, { cookie: user.cookie });
    expect(taken.json).toEqual({ subdomain, available: false, reason: "This subdomain is already taken." });
    const free = await webRequest(web.url, "GET", "/api/subdomains/Free-One", { cookie: user.cookie });
    expect(free.json).toEqual({ subdomain: "free-one", available: true });
  });

  it("enforces the instance quota with 403 quota_exceeded", async () => {
    const second = await webRequest(web.url, "POST", "/api/instances", { cookie: user.cookie, body: { name: "Second", subdomain: `${subdomain}-2` } });
    expect(second.status).toBe(201);
    const before = await snapshot();
    const third = await webRequest(web.url, "POST", "/api/instances", { cookie: user.cookie, body: { name: "Third", subdomain: `${subdomain}-3` } });
    expect(third.status).toBe(403);
    expect(third.json.error).toMatchObject({ code: "quota_exceeded", message: expect.stringMatching(/limit of 2 instances/), details: { quota: 2, used: 2 } });
    expect(await snapshot()).toBe(before);
  });

  it("rate limits sign-in attempts per email and IP with a clear message", async () => {
    const victim = await createSignedInUser(web.url, "victim");
    for (let i = 0; i < 4; i++) expect((await signIn(web.url, victim.email, "wrong-password")).error).toBe("CredentialsSignin");
    // A success resets the window; after five more failures even the right password is refused.
    expect((await signIn(web.url, victim.email, victim.password)).cookie).toEqual(expect.any(String));
    for (let i = 0; i < 5; i++) expect((await signIn(web.url, victim.email, "wrong-password")).error).toBe("CredentialsSignin");
    const limited = await signIn(web.url, victim.email, victim.password);
    expect(limited.error).toMatch(/^Too many sign-in attempts\. Try again in \d+ minutes?\.$/);
    // Other accounts are unaffected.
    expect((await signIn(web.url, user.email, user.password)).cookie).toEqual(expect.any(String));
  });

  it("changes the password: old one stops working, new one works", async () => {
    const account = await createSignedInUser(web.url, "pw");
    const res = await webRequest(web.url, "POST", "/api/account/password", {
      cookie: account.cookie,
      body: { currentPassword: account.password, newPassword: "a-new-password" },
    });
    expect(res.status).toBe(200);
    expect((await signIn(web.url, account.email, account.password)).error).toBe("CredentialsSignin");
    expect((await signIn(web.url, account.email, "a-new-password")).cookie).toEqual(expect.any(String));
  });
});

describe("when the orchestrator is down", () => {
  it("still lists instances, and lifecycle calls fail with a clear 503 and Retry-After", async () => {
    await web.orchestrator.kill();
    const list = await webRequest(web.url, "GET", "/api/instances", { cookie: user.cookie });
    expect(list.status).toBe(200);
    const page = await webRequest(web.url, "GET", `/dashboard/instances/${instanceId}`, { cookie: user.cookie });
    expect(page.status).toBe(200);
    expect(page.text).toContain(subdomain);
    const fresh = await createSignedInUser(web.url, "fresh");
    const before = await snapshot();
    for (const [cookie, method, route, body] of [
      [fresh.cookie, "POST", "/api/instances", { name: "Late", subdomain: "late-one" }],
      [user.cookie, "POST", `/api/instances/${instanceId}/start`, undefined],
      [user.cookie, "PATCH", `/api/instances/${instanceId}`, { name: "Renamed" }],
      [user.cookie, "GET", `/api/instances/${instanceId}/logs`, undefined],
    ] as const) {
      const res = await webRequest(web.url, method, route, { cookie, body });
      expect(res.status, `${method} ${route}`).toBe(503);
      expect(res.headers.get("retry-after")).toBe("5");
      expect((res.json.error as { message: string }).message).toMatch(/not reachable/);
    }
    expect(await snapshot()).toBe(before);
    const events = await fetch(`${web.url}/api/instances/events`, { headers: { cookie: user.cookie } });
    const text = await events.text();
    expect(text).toContain("event: unavailable");
  });
});
