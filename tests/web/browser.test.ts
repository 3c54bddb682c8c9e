import fs from "node:fs";
import path from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { instances } from "../../lib/db/schema";
import { tarGzFiles } from "../support/bundles";
import { startTestDns, type TestDns } from "../support/dns-server";
import { launchChromium } from "../support/browser";
import { repoRoot } from "../support/tools";
import { createGatewayClient, type GatewayClient } from "../support/gateway-client";
import { startWebPlatform, webRequest, type WebPlatform } from "../support/web";

/**
 * The product flow in real Chromium against the production build and the real orchestrator.
 * Steps share one browser page and run in order; each names what a person would do.
 */
let web: WebPlatform;
/** Custom domains are looked up here (DNS_RESOLVER), never through the machine's resolvers; its zone stays empty. */
let dns: TestDns;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let gateway: GatewayClient;
const shots = path.join(repoRoot, "test-results/screenshots");
const subdomain = `e2e-${Date.now().toString(36)}`;
const email = `e2e-${Date.now().toString(36)}@example.com`;
const state = { instanceId: "", url: "", key: "" };
const board = { id: "" };
const todos = ["buy milk", "ship it"];

beforeAll(async () => {
  fs.mkdirSync(shots, { recursive: true });
  dns = await startTestDns();
  web = await startWebPlatform({ orchestratorEnv: { DNS_RESOLVER: dns.address } });
  gateway = createGatewayClient({ port: web.orchestrator.gatewayPort });
  browser = await launchChromium();
  context = await browser.newContext({ baseURL: web.url, viewport: { width: 1280, height: 900 } });
  page = await context.newPage();
  page.setDefaultTimeout(30_000);
});

afterAll(async () => {
  await gateway?.close();
  await browser?.close();
  await web?.dispose();
  await dns?.close();
});

const shot = (name: string) => page.screenshot({ path: path.join(shots, `${name}.png`), fullPage: true });
/** The official SDK at the instance's URL, authenticated with the dashboard-issued API key. */
function sdkWithKey() {
  const pb = gateway.pocketBase(subdomain);
  pb.authStore.save(state.key);
  return pb;
}
const status = (s: string) => page.locator(`[data-testid="instance-status"] [data-status="${s}"]`);
const deployRow = (n: number) => page.locator(`[data-testid="deploy-row"][data-number="${n}"]`);
const deployStatus = (n: number, s: string) => deployRow(n).locator(`[data-deploy-status="${s}"]`);

describe("dashboard in Chromium", () => {
  it("shows the landing page and guards the dashboard", async () => {
    await page.goto("/");
    expect(await page.getByRole("heading", { level: 1 }).textContent()).toContain("PocketBase");
    await shot("01-landing");
    await page.goto("/dashboard");
    await page.waitForURL(/\/signin\?callbackUrl=%2Fdashboard/);
  });

  it("signs up (validating first) and lands on an empty, live dashboard", async () => {
    await page.goto("/signup");
    await page.getByRole("button", { name: "Create account" }).click();
    await page.getByText("Name is required.").waitFor();
    await shot("02-signup-errors");
    await page.getByLabel("Name").fill("E2E User");
    await page.getByLabel("Email").fill(email);
    await page.getByLabel("Password").fill("first-password");
    await page.getByRole("button", { name: "Create account" }).click();
    await page.waitForURL(/\/dashboard$/);
    await page.getByText("No instances yet").waitFor();
    await page.locator('[data-testid="live-indicator"][data-live="true"]').waitFor();
    await shot("03-dashboard-empty");
  });

  it("creates an instance, refusing reserved names as you type", async () => {
    await page.getByRole("button", { name: "New instance" }).first().click();
    await page.getByLabel("Name").fill("E2E App");
    await page.getByLabel("Subdomain").fill("admin");
    await page.getByText("This subdomain is reserved.").waitFor();
    await page.getByLabel("Subdomain").fill(subdomain);
    await page.getByText(/^Available:/).waitFor();
    await shot("04-create-dialog");
    await page.getByRole("button", { name: "Create instance" }).click();
    await page.waitForURL(/\/dashboard\/instances\/[a-z0-9]+$/);
    state.instanceId = page.url().split("/").pop() ?? "";
    await status("stopped").waitFor();
    state.url = (await page.getByTestId("instance-url").textContent()) ?? "";
    expect(state.url).toBe(`http://${subdomain}.localhost:${web.orchestrator.gatewayPort}`);
  });

  it("starts it and sees it running live, with events and logs", async () => {
    await page.getByRole("button", { name: "Start" }).click();
    await status("running").waitFor({ timeout: 60_000 });
    await page
      .getByTestId("events")
      .getByText(/Running/)
      .waitFor();
    await page
      .getByTestId("logs")
      .getByText(/Server started/)
      .waitFor();
    await shot("05-instance-running");
    const tenant = await context.newPage();
    const health = await tenant.goto(`${state.url}/api/health`); // Chromium resolves *.localhost to loopback
    expect(health?.status()).toBe(200);
    await tenant.close();
  });

  it("creates an API key shown once and, with the SDK and that key, writes through the gateway", async () => {
    await page.getByRole("button", { name: "New key" }).click();
    await page.getByLabel("Name").fill("CI");
    await page.getByRole("button", { name: "Create key" }).click();
    state.key = (await page.getByTestId("new-api-key").textContent()) ?? "";
    expect(state.key).toMatch(/^pbk_[A-Za-z0-9_-]{12}_[A-Za-z0-9_-]{43}$/);
    await shot("06-api-key-created");
    await page.getByRole("button", { name: "Done" }).click();
    await page
      .getByTestId("api-key-row")
      .filter({ hasText: state.key.slice(0, 16) })
      .waitFor();
    expect(await page.content()).not.toContain(state.key);
    expect((await webRequest(web.url, "GET", `/api/instances/${state.instanceId}`, { bearer: state.key })).status).toBe(200);

    const pb = sdkWithKey();
    await pb.collections.create({ name: "todos", type: "base", fields: [{ name: "title", type: "text", required: true }] });
    for (const title of todos) await pb.collection("todos").create({ title });
  });

  it("adds an environment secret, confirming that the running instance restarts, and never shows its value", async () => {
    const row = async () => (await web.orchestrator.db.query.instances.findFirst({ where: eq(instances.id, state.instanceId) }))!;
    const startedBefore = (await row()).lastStartedAt?.getTime();
    const value = `sk_test_${Date.now().toString(36)}`;
    await page.getByRole("button", { name: "Add secret" }).click();
    const dialog = page.getByRole("dialog");
    await dialog.getByLabel("Name").fill("stripe_key");
    await dialog.getByLabel("Value").fill(value);
    expect(await dialog.getByLabel("Value").getAttribute("type")).toBe("password");
    await dialog.getByRole("button", { name: "Add secret" }).click();
    await dialog.getByText(/is running\. Saving STRIPE_KEY restarts it/).waitFor();
    await shot("06c-secret-restart-confirm");
    await dialog.getByRole("button", { name: "Save and restart" }).click();
    await page.getByTestId("secret-row").filter({ hasText: "STRIPE_KEY" }).waitFor();
    await expect
      .poll(
        async () => {
          const r = await row();
          return r.status === "running" && r.lastStartedAt?.getTime() !== startedBefore;
        },
        { timeout: 60_000, interval: 250 },
      )
      .toBe(true);
    await status("running").waitFor({ timeout: 60_000 });
    expect(await page.content()).not.toContain(value);
  });

  it("stops and starts it again with the records intact", async () => {
    await page.getByRole("button", { name: "Stop" }).click();
    await status("stopped").waitFor({ timeout: 60_000 });
    await page
      .getByTestId("events")
      .getByText(/Stopped/)
      .first()
      .waitFor();
    expect(await page.getByTestId("storage").textContent()).not.toContain("0 B");
    await page.getByRole("button", { name: "Start" }).click();
    await status("running").waitFor({ timeout: 60_000 });
    if (process.getuid?.() === 0) {
      // Sandboxed tenants have a disk quota: its use is shown against it.
      const disk = page.getByTestId("disk-usage");
      await disk.waitFor();
      expect(await disk.getAttribute("data-level")).toBe("ok");
      expect(await disk.textContent()).toMatch(/of 1(\.0)? GB/);
    }
    const records = await sdkWithKey().collection("todos").getFullList();
    expect(records.map((r) => r.title as string).sort()).toEqual([...todos].sort());
  });

  it("restores it to a moment before a record was added, from the Backups card (confirming first)", async () => {
    const card = page.getByTestId("backups-card");
    await card.getByText(/Continuous backup is up to date/).waitFor({ timeout: 30_000 });
    await new Promise((r) => setTimeout(r, 2_500)); // Litestream captures and ships within a second or so
    const moment = new Date(Math.floor(Date.now() / 1000) * 1000);
    await new Promise((r) => setTimeout(r, 1_500));
    await sdkWithKey().collection("todos").create({ title: "added after the restore point" });
    const local = new Date(moment.getTime() - moment.getTimezoneOffset() * 60_000).toISOString().slice(0, 19);
    await card.getByLabel("Restore point").fill(local);
    await card.getByRole("button", { name: "Restore…" }).click();
    const dialog = page.getByRole("dialog");
    await dialog.getByText(/current state is kept as a snapshot/).waitFor();
    await page.screenshot({ path: path.join(shots, "06a-restore-confirm.png") });
    await dialog.getByRole("button", { name: "Restore" }).click();
    await dialog.waitFor({ state: "detached", timeout: 60_000 });
    await status("running").waitFor({ timeout: 60_000 });
    const records = await sdkWithKey().collection("todos").getFullList();
    expect(records.map((r) => r.title as string).sort()).toEqual([...todos].sort());
    await card.getByTestId("snapshot-row").getByText("Before a restore").first().waitFor();
  });

  it("opens the PocketBase admin UI already signed in", async () => {
    const [popup] = await Promise.all([context.waitForEvent("page"), page.getByRole("button", { name: "Open admin" }).click()]);
    await popup.waitForURL(`${state.url}/_/**`);
    expect(await popup.evaluate(() => localStorage.getItem("__pb_superusers__/_"))).toContain("token");
    // The collections sidebar only renders for a signed-in superuser (the login form otherwise). On a
    // loaded machine the admin UI's first requests can be cut (Chromium drops requests in flight when
    // other tests' sandboxes add network interfaces); the session is in localStorage, so a reload shows it.
    const sidebar = popup.getByText("todos").first();
    await sidebar.waitFor({ timeout: 20_000 }).catch(async () => {
      await popup.reload();
      await sidebar.waitFor();
    });
    await popup.screenshot({ path: path.join(shots, "06b-admin-ui.png") });
    await popup.close();
  });

  it("revokes the key: the platform API and the gateway refuse it", async () => {
    await page.getByRole("button", { name: "Revoke" }).click();
    await page.getByRole("button", { name: "Revoke key" }).click();
    await page.getByTestId("api-key-row").getByText("revoked").waitFor();
    expect((await webRequest(web.url, "GET", `/api/instances/${state.instanceId}`, { bearer: state.key })).status).toBe(401);
    await expect
      .poll(async () => (await gateway.fetch(`${state.url}/api/collections/todos/records`, { headers: { authorization: state.key } })).status, {
        timeout: 10_000,
        interval: 250,
      })
      .toBe(401);
  });

  it("validates and saves the idle-stop setting", async () => {
    await page.getByLabel("Minutes").fill("-5");
    await page.getByRole("button", { name: "Save" }).click();
    await page.getByText("Idle timeout cannot be negative.").waitFor();
    await page.getByLabel("Minutes").fill("30");
    await page.getByRole("button", { name: "Save" }).click();
    await page.getByText("Idle stop saved").waitFor();
  });

  it("adds a custom domain, sees the DNS records to create, and removes it (confirming first)", async () => {
    const hostname = `${subdomain}.customer.test`;
    await page.getByLabel("Domain", { exact: true }).fill(hostname);
    await page.getByRole("button", { name: "Add domain" }).click();
    const row = page.getByTestId("domain-row").filter({ hasText: hostname });
    await row.getByText("Waiting for DNS").waitFor();
    const record = (type: string) => row.locator(`[data-testid="dns-record"][data-type="${type}"]`);
    expect(await row.getByTestId("dns-record").count()).toBe(2);
    expect(await record("CNAME").textContent()).toContain(`${subdomain}.localhost`);
    expect(await record("TXT").textContent()).toMatch(/_picobase\..*picobase-verify=[0-9a-f]{32}/);
    await shot("06d-custom-domain-pending");
    await row.getByRole("button", { name: "Remove" }).click();
    const dialog = page.getByRole("dialog");
    await dialog.getByText(`Requests to ${hostname} stop reaching this instance at once.`).waitFor();
    await dialog.getByRole("button", { name: "Remove domain" }).click();
    await page.getByText("No custom domains yet.").waitFor();
  });

  it("stops it and sees it stopped live, with storage reported", async () => {
    await page.getByRole("button", { name: "Stop" }).click();
    await status("stopped").waitFor({ timeout: 60_000 });
    await page
      .getByTestId("events")
      .getByText(/Stopped/)
      .first()
      .waitFor();
    expect(await page.getByTestId("storage").textContent()).not.toContain("0 B");
  });

  it("shows when live updates drop and catches up after the orchestrator restarts", async () => {
    const live = (on: boolean) => page.locator(`[data-testid="live-indicator"][data-live="${on}"]`);
    await live(true).waitFor();
    await web.orchestrator.kill();
    await live(false).waitFor();
    // A change the page cannot hear about while the stream is down.
    await web.orchestrator.db.update(instances).set({ name: "Renamed while away" }).where(eq(instances.id, state.instanceId));
    await web.orchestrator.restart();
    await live(true).waitFor();
    await page.getByRole("heading", { name: "Renamed while away" }).waitFor();
  });

  it("lists it on the dashboard, also at phone width", async () => {
    await page.goto("/dashboard");
    await page.getByTestId("instance-row").filter({ hasText: "Renamed while away" }).locator('[data-status="stopped"]').waitFor();
    await shot("07-dashboard-list");
    await page.setViewportSize({ width: 390, height: 844 });
    await shot("08-dashboard-phone");
    await page.goto(`/dashboard/instances/${state.instanceId}`);
    await page
      .getByTestId("logs")
      .getByText(/Server started/)
      .waitFor();
    await shot("09-instance-phone");
    await page.setViewportSize({ width: 1280, height: 900 });
  });

  it("creates an account token shown once, uses it, and revokes it", async () => {
    await page.goto("/dashboard/account");
    await page.getByRole("button", { name: "New token" }).click();
    await page.getByRole("dialog").getByLabel("Name").fill("laptop");
    await page.getByRole("button", { name: "Create token" }).click();
    const token = (await page.getByTestId("new-account-token").textContent()) ?? "";
    expect(token).toMatch(/^pbt_[A-Za-z0-9_-]{12}_[A-Za-z0-9_-]{43}$/);
    await page.getByRole("button", { name: "Done" }).click();
    const tokenRow = page.getByTestId("account-token-row").filter({ hasText: token.slice(0, 16) });
    await tokenRow.waitFor();
    expect(await page.content()).not.toContain(token);
    expect((await webRequest(web.url, "GET", `/api/instances/${state.instanceId}`, { bearer: token })).status).toBe(200);
    await tokenRow.getByRole("button", { name: "Revoke" }).click();
    await page.getByRole("button", { name: "Revoke token" }).click();
    await tokenRow.getByText("revoked").waitFor();
    expect((await webRequest(web.url, "GET", `/api/instances/${state.instanceId}`, { bearer: token })).status).toBe(401);
  });

  it("changes the password, signs out, and signs in with the new one", async () => {
    await page.goto("/dashboard/account");
    await page.getByLabel("Current password").fill("wrong-password");
    await page.getByLabel("New password").fill("second-password");
    await page.getByRole("button", { name: "Change password" }).click();
    await page.getByText("The current password is not correct.").waitFor();
    await page.getByLabel("Current password").fill("first-password");
    await page.getByRole("button", { name: "Change password" }).click();
    await page.getByText("Password changed").waitFor();
    await shot("10-account");
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.waitForURL(`${web.url}/`);
    await page.goto("/signin");
    await page.getByLabel("Email").fill(email);
    await page.getByLabel("Password").fill("first-password");
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByText("That email and password do not match an account.").waitFor();
    await shot("11-signin-error");
    await page.getByLabel("Password").fill("second-password");
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.waitForURL(/\/dashboard$/);
  });

  it("deletes it after typing the subdomain to confirm", async () => {
    await page.goto(`/dashboard/instances/${state.instanceId}`);
    await page.getByRole("button", { name: "Delete instance" }).click();
    const confirm = page.getByRole("button", { name: "Delete forever" });
    expect(await confirm.isDisabled()).toBe(true);
    await page.getByLabel("Subdomain").fill(subdomain.slice(0, -1));
    expect(await confirm.isDisabled()).toBe(true);
    await page.getByLabel("Subdomain").fill(subdomain);
    await shot("12-delete-confirm");
    await confirm.click();
    await page.waitForURL(/\/dashboard$/);
    await page.getByText("No instances yet").waitFor();
    expect((await webRequest(web.url, "GET", `/api/instances/${state.instanceId}`, { bearer: state.key })).status).toBe(401);
  });

  it("creates an instance from the Mood board template: deploy #1 waits for the first start", async () => {
    await page.getByRole("button", { name: "New instance" }).first().click();
    const dialog = page.getByRole("dialog");
    await dialog.getByLabel("Name").fill("Mood board");
    await dialog.getByLabel("Subdomain").fill(`${subdomain}-mb`);
    await dialog.getByText(/^Available:/).waitFor();
    expect(await dialog.getByRole("radio", { name: /^Blank/ }).isChecked()).toBe(true);
    await dialog.getByRole("radio", { name: /^Mood board/ }).check();
    await shot("13-create-from-template");
    await dialog.getByRole("button", { name: "Create instance" }).click();
    await page.waitForURL(/\/dashboard\/instances\/[a-z0-9]+$/);
    board.id = page.url().split("/").pop() ?? "";
    await status("stopped").waitFor();
    await deployStatus(1, "pending").waitFor();
    await page.getByTestId("deploy-in-progress").getByText("Deploy #1 is pending").waitFor();
  });

  it("starts it: deploy #1 goes live, and its files read as text", async () => {
    await page.getByRole("button", { name: "Start" }).click();
    await status("running").waitFor({ timeout: 60_000 });
    await deployStatus(1, "live").waitFor({ timeout: 60_000 });
    await page.getByTestId("deploy-in-progress").waitFor({ state: "detached" });
    await deployRow(1).getByRole("button", { name: "Files" }).click();
    const files = page.getByRole("dialog").getByTestId("deploy-files");
    await files
      .getByText(/^pb_migrations\/.+\.js$/)
      .first()
      .waitFor();
    const hook = fs.readdirSync(path.join(repoRoot, "templates/moodboard/pb_hooks")).find((f) => f.endsWith(".pb.js")) ?? "";
    await files.getByText(`pb_hooks/${hook}`).click();
    const text = page.getByRole("dialog").getByTestId("deploy-file-text");
    await text.waitFor();
    expect(await text.textContent()).toBe(fs.readFileSync(path.join(repoRoot, "templates/moodboard/pb_hooks", hook), "utf8"));
    await shot("14-deploy-files");
    await page.keyboard.press("Escape");
  });

  it("deploys again over the API, rolls back to #1 after a confirmation, and shows why a broken deploy failed", async () => {
    const cookie = (await context.cookies()).map((c) => `${c.name}=${c.value}`).join("; ");
    const upload = async (files: Record<string, string>) => {
      const res = await fetch(`${web.url}/api/instances/${board.id}/deploys`, {
        method: "POST",
        headers: { cookie, "content-type": "application/gzip" },
        body: new Uint8Array(await tarGzFiles(files)),
      });
      expect(res.status).toBe(202);
    };
    await upload({ "pb_hooks/hello.pb.js": `routerAdd("GET", "/hello", (e) => e.string(200, "hello"));\n` });
    await deployStatus(2, "live").waitFor({ timeout: 60_000 });
    await deployStatus(1, "superseded").waitFor();
    await deployRow(1).getByRole("button", { name: "Roll back" }).click();
    const confirm = page.getByRole("dialog");
    await confirm.getByText("Roll back to deploy #1?").waitFor();
    await confirm.getByText("The instance restarts with that code; data is not rolled back.").waitFor();
    await shot("15-rollback-confirm");
    await confirm.getByRole("button", { name: "Roll back" }).click();
    await page.getByText("Rolling back to deploy #1.").waitFor();
    await deployStatus(1, "live").waitFor({ timeout: 60_000 });
    await deployStatus(2, "rolled_back").waitFor();

    await upload({ "pb_migrations/1700000009_broken.js": `migrate((app) => { throw new Error("broken on purpose"); });\n` });
    await deployStatus(3, "failed").waitFor({ timeout: 90_000 });
    await deployStatus(1, "live").waitFor();
    await page
      .getByTestId("deploy-message")
      .getByText(/broken on purpose/)
      .waitFor();
    await status("running").waitFor({ timeout: 60_000 });
    await page.getByTestId("deploys-card").screenshot({ path: path.join(shots, "16-deploys-card.png") });
  });
});
