import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSignedInUser, signIn, signOut, startWebPlatform, webRequest, type WebPlatform } from "../support/web";

/**
 * Sessions end on the server: a session cookie copied before a sign-out or a password change (by
 * a thief, or left in another browser) stops working, on the API and on the dashboard.
 */
let web: WebPlatform;

beforeAll(async () => {
  web = await startWebPlatform();
});

afterAll(async () => {
  await web?.dispose();
});

async function expectLive(cookie: string): Promise<void> {
  expect((await webRequest(web.url, "GET", "/api/instances", { cookie })).status).toBe(200);
  expect((await webRequest(web.url, "GET", "/dashboard", { cookie })).status).toBe(200);
}

async function expectEnded(cookie: string): Promise<void> {
  const api = await webRequest(web.url, "GET", "/api/instances", { cookie });
  expect(api.status).toBe(401);
  expect((api.json.error as { code: string }).code).toBe("unauthorized");
  const page = await webRequest(web.url, "GET", "/dashboard", { cookie });
  expect(page.status).toBe(307);
  expect(new URL(page.headers.get("location") ?? "", web.url).pathname).toBe("/signin");
  // The sign-in page then shows its form instead of bouncing the stale cookie back to /dashboard.
  expect((await webRequest(web.url, "GET", "/signin", { cookie })).status).toBe(200);
}

/** The session cookie a response sets, if any. */
function sessionCookieOf(headers: Headers): string | undefined {
  return headers
    .getSetCookie()
    .find((c) => c.startsWith("next-auth.session-token="))
    ?.split(";")[0];
}

describe("sessions", () => {
  it("sign-out ends that session on the server, and only that one", async () => {
    const user = await createSignedInUser(web.url, "leaver");
    const elsewhere = (await signIn(web.url, user.email, user.password)).cookie ?? "";
    await expectLive(user.cookie);
    await signOut(web.url, user.cookie);
    await expectEnded(user.cookie);
    await expectLive(elsewhere);
  });

  it("a password change ends every earlier session and keeps the changing browser signed in", async () => {
    const user = await createSignedInUser(web.url, "changer");
    const elsewhere = (await signIn(web.url, user.email, user.password)).cookie ?? "";
    const res = await webRequest(web.url, "POST", "/api/account/password", {
      cookie: user.cookie,
      body: { currentPassword: user.password, newPassword: "a-new-password" },
    });
    expect(res.status, res.text).toBe(200);
    const renewed = sessionCookieOf(res.headers);
    expect(renewed).toEqual(expect.any(String));
    await expectEnded(elsewhere);
    await expectEnded(user.cookie); // a copy of the changing browser's old cookie ends too
    await expectLive(renewed ?? "");
  });

  it("a failed password change ends nothing", async () => {
    const user = await createSignedInUser(web.url, "keeper");
    const res = await webRequest(web.url, "POST", "/api/account/password", {
      cookie: user.cookie,
      body: { currentPassword: "not-my-password", newPassword: "a-new-password" },
    });
    expect(res.status).toBe(422);
    await expectLive(user.cookie);
  });
});
