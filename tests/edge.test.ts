import { randomBytes } from "node:crypto";
import fs from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WebSocket, WebSocketServer } from "ws";
import { caddyPorts, startCaddy, type CaddyHandle, type CaddyPorts } from "./support/caddy";
import { startTestDns, type TestDns } from "./support/dns-server";
import { createGatewayClient, loopbackLookup, requestFrom, type GatewayClient } from "./support/gateway-client";
import { launchChromium } from "./support/browser";
import { repoRoot } from "./support/tools";
import { startWebPlatform, type WebPlatform } from "./support/web";

/**
 * The production edge: real Caddy running deploy/Caddyfile as shipped (certificates from its local
 * CA instead of Let's Encrypt) in front of the real dashboard and gateway, with the platform set up
 * as docs/deploy.md says (TRUSTED_PROXY_HOPS=1, public URLs on https). Clients trust only Caddy's
 * root certificate, so every request proves a valid certificate for the name it asked for.
 */
const baseDomain = "pb.localhost"; // Chromium resolves *.localhost to loopback; Node clients map every name to it
const appHost = `app.${baseDomain}`;
const sub = `edge-${Date.now().toString(36)}`;
const email = `edge-${Date.now().toString(36)}@example.com`;
const password = "edge-password-1";

let ports: CaddyPorts;
let web: WebPlatform;
let caddy: CaddyHandle;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let client: GatewayClient;
let dns: TestDns;
const customHost = `shop-${Date.now().toString(36)}.customer.test`;
const unverifiedHost = `nope-${Date.now().toString(36)}.customer.test`;
const state = { key: "" };
const appUrl = (route = "") => `https://${appHost}:${ports.httpsPort}${route}`;
const shots = path.join(repoRoot, "test-results/screenshots");

/**
 * page.goto, again when Chromium reports ERR_NETWORK_CHANGED: tenant sandboxes started by other
 * test files add and remove network interfaces, and Chromium aborts navigations in flight then.
 */
async function open(route: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await page.goto(appUrl(route));
      return;
    } catch (err) {
      if (attempt >= 3 || !String(err).includes("ERR_NETWORK_CHANGED")) throw err;
    }
  }
}

beforeAll(async () => {
  fs.mkdirSync(shots, { recursive: true });
  ports = await caddyPorts();
  dns = await startTestDns();
  web = await startWebPlatform({
    orchestratorEnv: {
      DNS_RESOLVER: dns.address,
      BASE_DOMAIN: baseDomain,
      PUBLIC_GATEWAY_URL: `https://${baseDomain}:${ports.httpsPort}`,
      TRUSTED_PROXY_HOPS: "1",
      IDLE_TIMEOUT_MINUTES: "0",
    },
    env: { NEXTAUTH_URL: appUrl() },
  });
  caddy = await startCaddy({
    dir: web.orchestrator.dataDir,
    ports,
    appHost,
    orchestratorPort: Number(new URL(web.orchestrator.apiUrl).port),
    dashboardPort: Number(new URL(web.url).port),
    gatewayPort: web.orchestrator.gatewayPort,
  });
  client = createGatewayClient({ port: ports.httpsPort, baseDomain, https: { ca: caddy.rootCa } });
  browser = await launchChromium();
  // Chromium does not know Caddy's local CA; the Node clients below check the chain against it.
  context = await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 1280, height: 900 } });
  page = await context.newPage();
  page.setDefaultTimeout(30_000);
});

afterAll(async () => {
  if (process.env.EDGE_DEBUG)
    console.log(
      fs
        .readFileSync(caddy.logFile, "utf8")
        .split("\n")
        .filter((l) => /error|warn/.test(l))
        .slice(-8)
        .join("\n"),
      fs.readFileSync(web.logFile, "utf8").slice(-2000),
    );
  await client?.close();
  await browser?.close();
  await caddy?.dispose();
  await web?.dispose();
  await dns?.close();
});

describe("HTTPS edge (Caddy)", () => {
  it("serves the dashboard over HTTPS: sign-up and sign-in set a secure, host-only session cookie", async () => {
    await open("/signup");
    await page.getByLabel("Name").fill("Edge User");
    await page.getByLabel("Email").fill(email);
    await page.getByLabel("Password").fill(password);
    await page.getByRole("button", { name: "Create account" }).click();
    await page.waitForURL(/\/dashboard$/);
    await page.getByText("No instances yet").waitFor();
    const session = (await context.cookies(appUrl())).find((c) => c.name === "__Host-next-auth.session-token");
    expect(session).toMatchObject({ secure: true, httpOnly: true, sameSite: "Lax", path: "/" });
    expect(session?.domain).toBe(appHost);

    await context.clearCookies();
    await open("/signin");
    await page.getByLabel("Email").fill(email);
    await page.getByLabel("Password").fill(password);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.waitForURL(/\/dashboard$/);
    await page.screenshot({ path: path.join(shots, "edge-dashboard-https.png") });
  });

  it("redirects plain HTTP to HTTPS", async () => {
    const res = await requestFrom(ports.httpPort, { host: appHost, path: "/signin" });
    expect(res.status).toBe(308);
    // Caddy's redirect names the standard port: production listens on 443.
    expect(res.headers.location).toBe(`https://${appHost}/signin`);
  });

  it("creates and starts an instance whose URL is https, and an API key, in the dashboard", async () => {
    await page.getByRole("button", { name: "New instance" }).first().click();
    await page.getByLabel("Name").fill("Edge");
    await page.getByLabel("Subdomain").fill(sub);
    await page.getByText(/^Available:/).waitFor();
    await page.getByRole("button", { name: "Create instance" }).click();
    await page.waitForURL(/\/dashboard\/instances\/[a-z0-9]+$/);
    expect(await page.getByTestId("instance-url").textContent()).toBe(`https://${sub}.${baseDomain}:${ports.httpsPort}`);
    await page.getByRole("button", { name: "Start" }).click();
    await page.locator('[data-testid="instance-status"] [data-status="running"]').waitFor({ timeout: 60_000 });
    await page.getByRole("button", { name: "New key" }).click();
    await page.getByLabel("Name").fill("edge");
    await page.getByRole("button", { name: "Create key" }).click();
    state.key = (await page.getByTestId("new-api-key").textContent()) ?? "";
    expect(state.key).toMatch(/^pbk_/);
    await page.getByRole("button", { name: "Done" }).click();
  });

  it("serves the official SDK over HTTPS: records, realtime and a file upload", async () => {
    const pb = client.pocketBase(sub);
    pb.authStore.save(state.key);
    await pb.collections.create({
      name: "notes",
      type: "base",
      listRule: "",
      viewRule: "",
      fields: [
        { name: "title", type: "text" },
        { name: "attachment", type: "file", maxSelect: 1, maxSize: 5_000_000 },
      ],
    });
    const restore = client.installEventSource();
    try {
      const listener = client.pocketBase(sub);
      const events: string[] = [];
      const unsubscribe = await listener.collection("notes").subscribe("*", (e) => events.push(`${e.action}:${String(e.record.title)}`));
      const bytes = randomBytes(256 * 1024);
      const form = new FormData();
      form.append("title", "over https");
      form.append("attachment", new Blob([bytes]), "blob.bin");
      const record = await pb.collection("notes").create(form);
      await expect.poll(() => events, { timeout: 10_000 }).toContain("create:over https");
      await unsubscribe();

      const list = await client.pocketBase(sub).collection("notes").getList(1, 10);
      expect(list.items.map((r) => r.title)).toEqual(["over https"]);
      const fileUrl = pb.files.getURL(record, record.attachment as string);
      expect(fileUrl.startsWith(`https://${sub}.${baseDomain}:${ports.httpsPort}/`)).toBe(true);
      const download = await client.fetch(fileUrl);
      expect(download.status).toBe(200);
      expect(Buffer.from(await download.arrayBuffer()).equals(bytes)).toBe(true);
    } finally {
      restore();
    }
  });

  it("trusts exactly one proxy: a client's forged X-Forwarded-For does not become its address", async () => {
    const res = await client.fetch(client.url(sub, "/api/health?edge=forged"), { headers: { "x-forwarded-for": "198.51.100.7" } });
    expect(res.status).toBe(200);
    const pb = client.pocketBase(sub);
    pb.authStore.save(state.key);
    // PocketBase logs the client address it was given (the right-most X-Forwarded-For entry).
    let entry: { data: Record<string, unknown> } | undefined;
    await expect.poll(async () => (entry = (await pb.logs.getList(1, 1, { filter: `data.url ~ "edge=forged"` })).items[0]), { timeout: 10_000 }).toBeDefined();
    expect(entry?.data.userIP).toBe("127.0.0.1");
  });

  it("serves a verified custom domain with its own certificate, added and checked in the dashboard", async () => {
    for (const hostname of [customHost, unverifiedHost]) {
      await page.getByLabel("Domain", { exact: true }).fill(hostname);
      await page.getByRole("button", { name: "Add domain" }).click();
      await page.locator(`[data-testid="domain-row"][data-status="pending"]`).filter({ hasText: hostname }).waitFor();
    }
    // The owner creates the records the card shows, for the first domain only.
    const row = page.locator('[data-testid="domain-row"]').filter({ hasText: customHost });
    const cname = await row.locator('[data-testid="dns-record"][data-type="CNAME"] td').nth(2).textContent();
    const txt = await row.locator('[data-testid="dns-record"][data-type="TXT"] td').nth(2).textContent();
    expect(cname?.trim()).toBe(`${sub}.${baseDomain}`);
    dns.zone.set(customHost, { cname: cname?.trim() ?? "" });
    dns.zone.set(`_picobase.${customHost}`, { txt: [txt?.trim() ?? ""] });
    await page.getByRole("button", { name: "Check now" }).click();
    await page.locator(`[data-testid="domain-row"][data-status="verified"]`).filter({ hasText: customHost }).waitFor();
    await page.screenshot({ path: path.join(shots, "edge-custom-domain.png"), fullPage: true });

    // Caddy obtains its certificate on the first request (the orchestrator approves the name).
    const res = await client.fetch(`https://${customHost}:${ports.httpsPort}/api/collections/notes/records`);
    expect(res.status).toBe(200);
    expect(((await res.json()) as { items: Array<{ title: string }> }).items.map((r) => r.title)).toEqual(["over https"]);
    const refused = await client.fetch(`https://${unverifiedHost}:${ports.httpsPort}/api/health`).then(
      (r) => `answered ${r.status}`,
      (err: Error) => String((err.cause as Error | undefined)?.message ?? err.message),
    );
    expect(refused).toMatch(/alert|handshake|socket|disconnected|ECONNRESET/i);
  });

  it("gives no certificate to a name the platform does not serve", async () => {
    const unknown = await client.fetch(client.url("nobody-here", "/api/health")).then(
      (r) => `answered ${r.status}`,
      (err: Error) => String((err.cause as Error | undefined)?.message ?? err.message),
    );
    expect(unknown).toMatch(/alert|handshake|socket|disconnected|ECONNRESET/i);
  });
});

describe("the shipped Caddyfile", () => {
  it("passes WebSocket upgrades through to the gateway", async () => {
    // No PocketBase route speaks WebSocket, so a WebSocket echo server stands in for the gateway here.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "picobase-caddy-ws-"));
    const wss = new WebSocketServer({ host: "127.0.0.1", port: 0 });
    await new Promise((resolve) => wss.once("listening", resolve));
    wss.on("connection", (socket, req) => socket.on("message", (data) => socket.send(`${String(data)} via ${req.headers["x-forwarded-proto"]}`)));
    const approveAll = http.createServer((_req, res) => res.end());
    await new Promise<void>((resolve) => approveAll.listen(0, "127.0.0.1", resolve));
    const own = await caddyPorts();
    const front = await startCaddy({
      dir,
      ports: own,
      appHost: "app.ws.localhost",
      orchestratorPort: (approveAll.address() as AddressInfo).port,
      dashboardPort: 1,
      gatewayPort: (wss.address() as AddressInfo).port,
    });
    try {
      const socket = new WebSocket(`wss://t.ws.localhost:${own.httpsPort}/socket`, { ca: front.rootCa, lookup: loopbackLookup });
      const reply = await new Promise<string>((resolve, reject) => {
        socket.once("open", () => socket.send("ping"));
        socket.once("message", (data) => resolve(String(data)));
        socket.once("error", reject);
      });
      socket.close();
      expect(reply).toBe("ping via https");
    } finally {
      await front.dispose();
      await new Promise((resolve) => wss.close(resolve));
      await new Promise((resolve) => approveAll.close(resolve));
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
