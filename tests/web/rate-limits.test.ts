import http from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSignedInUser, signIn, startWebPlatform, webRequest, type WebPlatform } from "../support/web";

/**
 * Sign-up and sign-in limits keyed by the client address, which comes from the socket unless
 * TRUSTED_PROXY_HOPS says how many proxies in front append to X-Forwarded-For.
 */
const invalidSignup = { name: "", email: "x", password: "" };
const tooMany = /^Too many sign-in attempts\. Try again in \d+ minutes?\.$/;
/** Requests per minute each account token may make in the proxied web below. */
const TOKEN_REQUESTS = 30;

describe("without a trusted proxy (TRUSTED_PROXY_HOPS=0, the default)", () => {
  let web: WebPlatform;
  beforeAll(async () => {
    web = await startWebPlatform();
  });
  afterAll(async () => {
    await web?.dispose();
  });

  it("a forged X-Forwarded-For does not change the sign-in key", async () => {
    const victim = await createSignedInUser(web.url, "forged-in");
    for (let i = 0; i < 5; i++) expect((await signIn(web.url, victim.email, "wrong-password", `203.0.113.${i + 1}`)).error).toBe("CredentialsSignin");
    expect((await signIn(web.url, victim.email, victim.password, "203.0.113.77")).error).toMatch(tooMany);
  });

  it("parallel guesses cannot all pass the check before a failure is counted", async () => {
    const victim = await createSignedInUser(web.url, "parallel-in");
    const results = await Promise.all(Array.from({ length: 20 }, () => signIn(web.url, victim.email, "wrong-password")));
    const checked = results.filter((r) => r.error === "CredentialsSignin").length;
    expect(checked).toBe(5); // the free failures; every other guess waited without its password being checked
    expect(results.filter((r) => tooMany.test(r.error ?? ""))).toHaveLength(15);
  });

  it("a forged X-Forwarded-For does not change the sign-up key", async () => {
    // The suite's own sign-up above counts too, so the limit is reached within 20 attempts.
    const statuses: number[] = [];
    for (let i = 0; i < 21; i++) {
      const res = await webRequest(web.url, "POST", "/api/auth/signup", { headers: { "x-forwarded-for": `198.51.100.${i + 1}` }, body: invalidSignup });
      statuses.push(res.status);
    }
    expect(statuses).toContain(429);
    expect(statuses.at(-1)).toBe(429);
  });

  it("the key is the socket's address: another loopback address has its own count", async () => {
    // 127.0.0.1 has used up its sign-ups above; a connection from 127.0.0.2 has not. Were the
    // peer unknown to the handlers, both would share one count and this would be refused too.
    const status = await new Promise<number>((resolve, reject) => {
      const body = JSON.stringify(invalidSignup);
      const req = http.request(
        {
          host: "127.0.0.1",
          port: new URL(web.url).port,
          localAddress: "127.0.0.2",
          method: "POST",
          path: "/api/auth/signup",
          headers: { "content-type": "application/json", "x-forwarded-for": "198.51.100.1" },
        },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on("error", reject);
      req.end(body);
    });
    expect(status).toBe(422);
  });
});

describe("behind one trusted proxy (TRUSTED_PROXY_HOPS=1)", () => {
  let web: WebPlatform;
  /** The header as a proxy writes it: what the client sent, then the address the proxy saw. */
  const via = (client: string, forged?: string) => (forged ? `${forged}, ${client}` : client);

  beforeAll(async () => {
    web = await startWebPlatform({ env: { TRUSTED_PROXY_HOPS: "1", ACCOUNT_TOKEN_REQUESTS_PER_MINUTE: String(TOKEN_REQUESTS) } });
  });
  afterAll(async () => {
    await web?.dispose();
  });

  it("keys sign-ups by the address the proxy appended, ignoring what the client wrote before it", async () => {
    for (let i = 0; i < 20; i++) {
      const res = await webRequest(web.url, "POST", "/api/auth/signup", {
        headers: { "x-forwarded-for": via("198.51.100.7", `10.9.8.${i}`) },
        body: invalidSignup,
      });
      expect(res.status).toBe(422);
    }
    const limited = await webRequest(web.url, "POST", "/api/auth/signup", {
      headers: { "x-forwarded-for": via("198.51.100.7", "10.9.9.9") },
      body: { name: "Late", email: "late@example.com", password: "long-enough" },
    });
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(0);
    expect((limited.json.error as { message: string }).message).toMatch(/Too many sign-ups/);
    const elsewhere = await webRequest(web.url, "POST", "/api/auth/signup", {
      headers: { "x-forwarded-for": via("198.51.100.8", "10.9.8.1") },
      body: { name: "Ok", email: "ok-elsewhere@example.com", password: "long-enough" },
    });
    expect(elsewhere.status).toBe(201);
  });

  it("failed sign-ins from other addresses cannot lock the owner out", async () => {
    const victim = await createSignedInUser(web.url, "victim");
    // 25 addresses with one failure each (past the old per-email lock of 20), and one address
    // that keeps trying: it is slowed down, the owner at their own address is not.
    for (let i = 0; i < 25; i++) expect((await signIn(web.url, victim.email, "wrong-password", via(`203.0.113.${i + 1}`))).error).toBe("CredentialsSignin");
    for (let i = 0; i < 5; i++) expect((await signIn(web.url, victim.email, "wrong-password", via("203.0.113.99"))).error).toBe("CredentialsSignin");
    expect((await signIn(web.url, victim.email, "wrong-password", via("203.0.113.99"))).error).toMatch(tooMany);
    expect((await signIn(web.url, victim.email, victim.password, via("198.51.100.50"))).cookie).toEqual(expect.any(String));
  });

  it("backs off per email and address: after 5 failures even the right password waits", async () => {
    const user = await createSignedInUser(web.url, "backoff");
    for (let i = 0; i < 5; i++) expect((await signIn(web.url, user.email, "wrong-password", via("192.0.2.10"))).error).toBe("CredentialsSignin");
    expect((await signIn(web.url, user.email, user.password, via("192.0.2.10"))).error).toBe("Too many sign-in attempts. Try again in 1 minute.");
    expect((await signIn(web.url, user.email, user.password, via("192.0.2.11"))).cookie).toEqual(expect.any(String));
  });

  it("limits failures per address across accounts (password spraying)", async () => {
    const target = await createSignedInUser(web.url, "sprayed");
    for (let i = 0; i < 50; i++) {
      expect((await signIn(web.url, `nobody-${i}@example.com`, "wrong-password", via("192.0.2.66"))).error).toBe("CredentialsSignin");
    }
    expect((await signIn(web.url, target.email, target.password, via("192.0.2.66"))).error).toMatch(tooMany);
    expect((await signIn(web.url, target.email, target.password, via("192.0.2.67"))).cookie).toEqual(expect.any(String));
  });

  it("meters each account token's requests: past the limit 429 with Retry-After, other tokens unaffected", async () => {
    const user = await createSignedInUser(web.url, "metered");
    const make = async (name: string) =>
      ((await webRequest(web.url, "POST", "/api/account/tokens", { cookie: user.cookie, body: { name } })).json.token as { token: string }).token;
    const [busy, calm] = [await make("busy"), await make("calm")];
    for (let i = 0; i < TOKEN_REQUESTS; i++) {
      expect((await webRequest(web.url, "GET", "/api/instances", { bearer: busy, headers: { "x-forwarded-for": via("192.0.2.90") } })).status).toBe(200);
    }
    const limited = await webRequest(web.url, "GET", "/api/instances", { bearer: busy, headers: { "x-forwarded-for": via("192.0.2.90") } });
    expect(limited.status).toBe(429);
    expect(limited.json.error).toMatchObject({ code: "rate_limited", message: expect.stringMatching(/too many requests/) });
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(0);
    expect((await webRequest(web.url, "GET", "/api/instances", { bearer: calm, headers: { "x-forwarded-for": via("192.0.2.90") } })).status).toBe(200);
  });

  it("counts failed account-token checks against the address like failed sign-ins", async () => {
    const user = await createSignedInUser(web.url, "tokens");
    const made = await webRequest(web.url, "POST", "/api/account/tokens", { cookie: user.cookie, body: { name: "script" } });
    const token = (made.json.token as { token: string }).token;
    const guess = (i: number) => `pbt_${token.slice(4, 16)}_${String(i).padStart(43, "A")}`;
    for (let i = 0; i < 50; i++) {
      expect((await webRequest(web.url, "GET", "/api/instances", { bearer: guess(i), headers: { "x-forwarded-for": via("192.0.2.80") } })).status).toBe(401);
    }
    // Now even the right token waits at that address (a correct guess must look no different), and so do sign-ins.
    const limited = await webRequest(web.url, "GET", "/api/instances", { bearer: token, headers: { "x-forwarded-for": via("192.0.2.80") } });
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(0);
    expect((await signIn(web.url, user.email, user.password, via("192.0.2.80"))).error).toMatch(tooMany);
    expect((await webRequest(web.url, "GET", "/api/instances", { bearer: token, headers: { "x-forwarded-for": via("192.0.2.81") } })).status).toBe(200);
  });
});
