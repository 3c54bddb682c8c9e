import fs from "node:fs";
import http from "node:http";
import path from "node:path";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { emailTokens, users } from "../../lib/db/schema";
import { mailRequestsPerClientLimit, mailsPerEmailLimit } from "../../lib/auth/mail-limits";
import { linkIn, startMailpit, type Mailpit } from "../support/mailpit";
import { launchChromium } from "../support/browser";
import { repoRoot } from "../support/tools";
import { waitFor } from "../support/wait";
import { createSignedInUser, signIn, startWebPlatform, webRequest, type WebPlatform } from "../support/web";

/**
 * Platform mail through a real SMTP server (mailpit, read through its HTTP API): sign-up
 * verification, password reset end to end, dead links, no account enumeration, rate limits, and
 * links that always point at the configured dashboard origin.
 */
const smtpAuth = { user: "picobase", pass: "smtp-pass-never-logged" };
const newPassword = "a-fresh-password-42";
const forgotAnswer = "If an account exists for that address, we sent a link to reset its password. It expires soon; check your spam folder too.";

/** A POST sent from a chosen loopback address (its own rate-limit key) with chosen headers (a forged Host). */
function postFrom(baseUrl: string, route: string, body: unknown, opts: { localAddress?: string; headers?: Record<string, string> } = {}) {
  return new Promise<{ status: number; headers: http.IncomingHttpHeaders; json: Record<string, unknown> }>((resolve, reject) => {
    const payload = JSON.stringify(body);
    const req = http.request(
      {
        host: "127.0.0.1",
        port: new URL(baseUrl).port,
        localAddress: opts.localAddress,
        method: "POST",
        path: route,
        headers: { "content-type": "application/json", "content-length": Buffer.byteLength(payload), ...opts.headers },
      },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (d: string) => (text += d));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, json: text ? (JSON.parse(text) as Record<string, unknown>) : {} }));
      },
    );
    req.on("error", reject);
    req.end(payload);
  });
}

const errorCode = (json: Record<string, unknown>) => (json.error as { code?: string } | undefined)?.code;

describe("platform mail (verification optional, the default)", () => {
  let mailpit: Mailpit;
  let web: WebPlatform;

  beforeAll(async () => {
    mailpit = await startMailpit({ auth: smtpAuth });
    web = await startWebPlatform({ smtpUrl: mailpit.smtpUrl });
  });
  afterAll(async () => {
    await web?.dispose();
    await mailpit?.dispose();
  });

  const userRow = async (id: string) => (await web.orchestrator.db.select().from(users).where(eq(users.id, id)))[0];

  /** Asks for a reset of `email` and returns the link of the mail that then arrives (the `count`-th to that address). */
  async function resetLinkFor(email: string, count = 1): Promise<URL> {
    const res = await webRequest(web.url, "POST", "/api/auth/forgot-password", { body: { email } });
    expect(res.status, res.text).toBe(202);
    return linkIn(await mailpit.waitForMail(email, { count }), "/reset-password");
  }

  it("sign-up mails a verification link; following it verifies the address and ends the dashboard's banner", async () => {
    const user = await createSignedInUser(web.url, "verifier");
    const mail = await mailpit.waitForMail(user.email);
    expect(mail.Subject).toBe("Verify your email address");
    expect(mail.From).toEqual({ Name: "PicoBase", Address: "no-reply@localhost" });
    expect(mail.HTML).toContain('href="http://localhost:');
    const link = linkIn(mail, "/verify-email");
    expect(link.origin).toBe(web.url);
    expect((await userRow(user.id))?.emailVerifiedAt).toBeNull();
    expect((await webRequest(web.url, "GET", "/dashboard", { cookie: user.cookie })).text).toContain('data-testid="verify-email-banner"');

    // What the page does as it opens: it posts the link's token.
    expect((await webRequest(web.url, "GET", `${link.pathname}${link.search}`)).status).toBe(200);
    const token = link.searchParams.get("token");
    const verified = await webRequest(web.url, "POST", "/api/auth/verify-email", { body: { token } });
    expect(verified.status, verified.text).toBe(200);
    expect((await userRow(user.id))?.emailVerifiedAt).toBeInstanceOf(Date);
    expect((await webRequest(web.url, "GET", "/dashboard", { cookie: user.cookie })).text).not.toContain("verify-email-banner");
    // Opening the link again (a second click, a mail scanner) is no error once the address is verified.
    expect((await webRequest(web.url, "POST", "/api/auth/verify-email", { body: { token } })).status).toBe(200);
    // Only the hash is stored.
    const rows = await web.orchestrator.db.select().from(emailTokens).where(eq(emailTokens.userId, user.id));
    expect(JSON.stringify(rows)).not.toContain(token);
  });

  it("the banner's resend mails a new link to a signed-in unverified user, then is rate-limited", async () => {
    const user = await createSignedInUser(web.url, "resender");
    await mailpit.waitForMail(user.email);
    const statuses: number[] = [];
    for (let i = 0; i < mailsPerEmailLimit + 1; i++) {
      statuses.push((await postFrom(web.url, "/api/account/verification-email", {}, { localAddress: "127.0.0.4", headers: { cookie: user.cookie } })).status);
    }
    expect(statuses).toEqual([...Array<number>(mailsPerEmailLimit).fill(202), 429]);
    await mailpit.waitForMail(user.email, { count: 1 + mailsPerEmailLimit });
  });

  it("password reset end to end: the link sets a new password, the old one stops working, every session and account token ends", async () => {
    const user = await createSignedInUser(web.url, "forgetful");
    const elsewhere = (await signIn(web.url, user.email, user.password)).cookie ?? "";
    // Whoever held the account before (e.g. signed up with this address first) may have made a token.
    const made = await webRequest(web.url, "POST", "/api/account/tokens", { cookie: user.cookie, body: { name: "earlier" } });
    const accountToken = (made.json.token as { token: string }).token;
    expect((await webRequest(web.url, "GET", "/api/instances", { bearer: accountToken })).status).toBe(200);
    await mailpit.waitForMail(user.email); // the sign-up's verification mail
    const link = await resetLinkFor(user.email, 2);
    const mail = (await mailpit.mailsTo(user.email)).at(-1);
    expect(mail?.Subject).toBe("Reset your PicoBase password");
    expect(mail?.Text).toContain("expires in 1 hour");
    expect(link.origin).toBe(web.url);
    const page = await webRequest(web.url, "GET", `${link.pathname}${link.search}`);
    expect(page.status).toBe(200);
    expect(page.text).toContain("Choose a new password");

    const res = await webRequest(web.url, "POST", "/api/auth/reset-password", { body: { token: link.searchParams.get("token"), password: newPassword } });
    expect(res.status, res.text).toBe(200);
    expect((await signIn(web.url, user.email, user.password)).error).toBe("CredentialsSignin");
    expect((await signIn(web.url, user.email, newPassword)).cookie).toEqual(expect.any(String));
    for (const cookie of [user.cookie, elsewhere]) expect((await webRequest(web.url, "GET", "/api/instances", { cookie })).status).toBe(401);
    expect((await webRequest(web.url, "GET", "/api/instances", { bearer: accountToken })).status).toBe(401);
    expect((await userRow(user.id))?.emailVerifiedAt).toBeInstanceOf(Date); // receiving the link proved the address
  });

  it("a used link is refused, with a way to ask for a new one; so is another link once the password changed", async () => {
    const user = await createSignedInUser(web.url, "reuser");
    await mailpit.waitForMail(user.email);
    const first = await resetLinkFor(user.email, 2);
    const second = await resetLinkFor(user.email, 3);
    const reset = (link: URL, password: string) =>
      webRequest(web.url, "POST", "/api/auth/reset-password", { body: { token: link.searchParams.get("token"), password } });
    expect((await reset(first, newPassword)).status).toBe(200);
    const again = await reset(first, "someone-elses-password");
    expect(again.status).toBe(422);
    expect(again.json.error).toMatchObject({ code: "link_used", message: "This link has already been used. Ask for a new one." });
    expect(errorCode((await reset(second, "someone-elses-password")).json)).toBe("link_used");
    const page = await webRequest(web.url, "GET", `${first.pathname}${first.search}`);
    expect(page.text).toContain("This link has already been used");
    expect(page.text).toContain('href="/forgot-password"');
    expect((await signIn(web.url, user.email, newPassword)).cookie).toEqual(expect.any(String));
  });

  it("an expired link is refused and changes nothing", async () => {
    const user = await createSignedInUser(web.url, "slowpoke");
    await mailpit.waitForMail(user.email);
    const link = await resetLinkFor(user.email, 2);
    // An hour passes: moved on the row rather than waited for.
    await web.orchestrator.db
      .update(emailTokens)
      .set({ expiresAt: new Date(Date.now() - 1000) })
      .where(eq(emailTokens.userId, user.id));
    const res = await webRequest(web.url, "POST", "/api/auth/reset-password", { body: { token: link.searchParams.get("token"), password: newPassword } });
    expect(res.status).toBe(422);
    expect(res.json.error).toMatchObject({ code: "link_expired", message: "This link has expired. Ask for a new one." });
    expect((await webRequest(web.url, "GET", `${link.pathname}${link.search}`)).text).toContain("This link has expired");
    expect((await signIn(web.url, user.email, user.password)).cookie).toEqual(expect.any(String));
  });

  it("an unknown address gets the same answer and no mail", async () => {
    const known = await createSignedInUser(web.url, "known");
    await mailpit.waitForMail(known.email);
    const unknown = `nobody-${Date.now()}@example.com`;
    const forUnknown = await webRequest(web.url, "POST", "/api/auth/forgot-password", { body: { email: unknown } });
    const forKnown = await webRequest(web.url, "POST", "/api/auth/forgot-password", { body: { email: known.email } });
    expect([forUnknown.status, forUnknown.json]).toEqual([202, { ok: true, message: forgotAnswer }]);
    expect([forKnown.status, forKnown.json]).toEqual([forUnknown.status, forUnknown.json]);
    // The known address's mail was asked for after the unknown one's lookup: once it is here, that lookup is done.
    await mailpit.waitForMail(known.email, { count: 2 });
    expect(await mailpit.mailsTo(unknown)).toEqual([]);
  });

  it("a forged Host or X-Forwarded-Host does not change the link: it is built from NEXTAUTH_URL", async () => {
    const user = await createSignedInUser(web.url, "hosted");
    await mailpit.waitForMail(user.email);
    const forged = { host: "evil.example", "x-forwarded-host": "evil.example", "x-forwarded-proto": "https" };
    const res = await postFrom(web.url, "/api/auth/forgot-password", { email: user.email }, { headers: forged });
    expect(res.status).toBe(202);
    const mail = await mailpit.waitForMail(user.email, { count: 2 });
    expect(linkIn(mail, "/reset-password").origin).toBe(web.url);
    expect(mail.Text + mail.HTML).not.toContain("evil.example");
  });

  it("answers 429 with Retry-After after the limit per address, and after the limit per client", async () => {
    const email = `limited-${Date.now()}@example.com`;
    const perEmail: number[] = [];
    for (let i = 0; i < mailsPerEmailLimit + 1; i++)
      perEmail.push((await postFrom(web.url, "/api/auth/forgot-password", { email }, { localAddress: "127.0.0.2" })).status);
    expect(perEmail).toEqual([...Array<number>(mailsPerEmailLimit).fill(202), 429]);

    const perClient: { status: number; retryAfter: string | undefined }[] = [];
    for (let i = 0; i < mailRequestsPerClientLimit + 1; i++) {
      const res = await postFrom(web.url, "/api/auth/forgot-password", { email: `many-${i}-${Date.now()}@example.com` }, { localAddress: "127.0.0.3" });
      perClient.push({ status: res.status, retryAfter: res.headers["retry-after"] as string | undefined });
    }
    expect(perClient.slice(0, -1).every((r) => r.status === 202)).toBe(true);
    expect(perClient.at(-1)?.status).toBe(429);
    expect(Number(perClient.at(-1)?.retryAfter)).toBeGreaterThan(0);
  });

  it("in Chromium: sign up, verify from the mail, forget the password, reset it, sign in; the spent link says so", async () => {
    const browser = await launchChromium();
    try {
      const page = await (await browser.newContext({ baseURL: web.url, viewport: { width: 1280, height: 800 } })).newPage();
      page.setDefaultTimeout(30_000);
      const shot = (name: string) => page.screenshot({ path: path.join(repoRoot, "test-results/screenshots", `email-${name}.png`) });
      const email = `chromium-${Date.now()}@example.com`;
      await page.goto("/signup");
      await page.getByLabel("Name").fill("Chromium");
      await page.getByLabel("Email").fill(email);
      await page.getByLabel("Password").fill("first-password");
      await page.getByRole("button", { name: "Create account" }).click();
      await page.waitForURL(/\/dashboard$/);
      await page.getByTestId("verify-email-banner").waitFor();
      await shot("1-banner");

      await page.goto(linkIn(await mailpit.waitForMail(email), "/verify-email").toString());
      await page.getByRole("heading", { name: "Email verified" }).waitFor();
      await page.goto("/dashboard");
      await page.getByText("No instances yet").waitFor();
      expect(await page.getByTestId("verify-email-banner").count()).toBe(0);

      await page.context().clearCookies();
      await page.goto("/signin");
      await page.getByRole("link", { name: "Forgot password?" }).click();
      await page.waitForURL(/\/forgot-password$/);
      await page.getByLabel("Email").fill(email);
      await page.getByRole("button", { name: "Send reset link" }).click();
      await page.getByTestId("forgot-password-sent").getByText(forgotAnswer).waitFor();
      await shot("2-forgot-sent");

      const link = linkIn(await mailpit.waitForMail(email, { count: 2 }), "/reset-password").toString();
      await page.goto(link);
      await page.getByLabel("New password").fill("short");
      await page.getByRole("button", { name: "Set new password" }).click();
      await page.getByText("Password must be at least 8 characters.").waitFor();
      await shot("3-reset-form");
      await page.getByLabel("New password").fill(newPassword);
      await page.getByRole("button", { name: "Set new password" }).click();
      await page.getByRole("heading", { name: "Password changed" }).waitFor();
      await page.getByRole("link", { name: "Sign in" }).click();
      await page.waitForURL(/\/signin$/);
      await page.getByLabel("Email").fill(email);
      await page.getByLabel("Password").fill(newPassword);
      await page.getByRole("button", { name: "Sign in" }).click();
      await page.waitForURL(/\/dashboard$/);

      await page.goto(link);
      await page.getByText("This link has already been used. Ask for a new one.").waitFor();
      await shot("4-spent-link");
      await page.getByRole("link", { name: "Ask for a new link" }).click();
      await page.waitForURL(/\/dashboard$/); // signed in: forgot-password sends you home
    } finally {
      await browser.close();
    }
  });

  it("never writes the SMTP password, or with SMTP a link's token, to a log", async () => {
    const user = await createSignedInUser(web.url, "logged");
    const link = linkIn(await mailpit.waitForMail(user.email), "/verify-email");
    const logs = fs.readFileSync(web.logFile, "utf8") + fs.readFileSync(web.orchestrator.logFile, "utf8");
    expect(logs).toContain('"msg":"mail sent"');
    expect(logs).not.toContain(smtpAuth.pass);
    expect(logs).not.toContain(link.searchParams.get("token"));
  });
});

describe("REQUIRE_EMAIL_VERIFICATION=1", () => {
  let mailpit: Mailpit;
  let web: WebPlatform;

  beforeAll(async () => {
    mailpit = await startMailpit();
    web = await startWebPlatform({ smtpUrl: mailpit.smtpUrl, env: { REQUIRE_EMAIL_VERIFICATION: "1" } });
  });
  afterAll(async () => {
    await web?.dispose();
    await mailpit?.dispose();
  });

  it("refuses an unverified sign-in with a clear message, resends the link on request, and signs in once verified", async () => {
    const email = `strict-${Date.now()}@example.com`;
    const password = "correct-horse-battery";
    const created = await webRequest(web.url, "POST", "/api/auth/signup", { body: { name: "Strict", email, password } });
    expect(created.status, created.text).toBe(201);
    expect(created.json.verificationRequired).toBe(true);
    await mailpit.waitForMail(email);
    expect((await signIn(web.url, email, password)).error).toBe("Verify your email address before signing in: open the link we mailed you.");
    expect((await signIn(web.url, email, "wrong-password")).error).toBe("CredentialsSignin"); // the message needs the right password

    const resent = await webRequest(web.url, "POST", "/api/auth/verify-email/resend", { body: { email } });
    const forNobody = await webRequest(web.url, "POST", "/api/auth/verify-email/resend", { body: { email: `nobody-${email}` } });
    expect([resent.status, resent.json]).toEqual([forNobody.status, forNobody.json]);
    expect(resent.status).toBe(202);
    const link = linkIn(await mailpit.waitForMail(email, { count: 2 }), "/verify-email");
    expect((await webRequest(web.url, "POST", "/api/auth/verify-email", { body: { token: link.searchParams.get("token") } })).status).toBe(200);
    expect((await signIn(web.url, email, password)).cookie).toEqual(expect.any(String));
    expect(await mailpit.mailsTo(`nobody-${email}`)).toEqual([]);
  });
});

describe("without SMTP_URL (the embedded default)", () => {
  let web: WebPlatform;

  beforeAll(async () => {
    web = await startWebPlatform();
  });
  afterAll(async () => {
    await web?.dispose();
  });

  /** The mails the web wrote to its log for `to`, oldest first. */
  const loggedMails = (to: string) =>
    fs
      .readFileSync(web.logFile, "utf8")
      .split("\n")
      .filter((line) => line.startsWith("{"))
      .map((line) => JSON.parse(line) as { msg?: string; mail?: { to: string; subject: string; text: string } })
      .filter((entry) => entry.msg === "mail not sent (no SMTP_URL set), written to the log instead" && entry.mail?.to === to)
      .map((entry) => entry.mail as { to: string; subject: string; text: string });

  it("writes each whole mail to the log, so its link can be followed: password reset works", async () => {
    const user = await createSignedInUser(web.url, "local");
    await waitFor("the logged verification mail", () => (loggedMails(user.email).length === 1 ? true : undefined));
    expect((await webRequest(web.url, "POST", "/api/auth/forgot-password", { body: { email: user.email } })).status).toBe(202);
    const mail = await waitFor("the logged reset mail", () => loggedMails(user.email)[1]);
    expect(mail.subject).toBe("Reset your PicoBase password");
    const link = new URL(/http:\/\/\S+\/reset-password\?token=\S+/.exec(mail.text)?.[0] ?? "");
    const res = await webRequest(web.url, "POST", "/api/auth/reset-password", { body: { token: link.searchParams.get("token"), password: newPassword } });
    expect(res.status, res.text).toBe(200);
    expect((await signIn(web.url, user.email, newPassword)).cookie).toEqual(expect.any(String));
  });
});
