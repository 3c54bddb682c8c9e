import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DomainJson } from "../../lib/domains";
import { startTestDns, type TestDns } from "../support/dns-server";
import { requestFrom } from "../support/gateway-client";
import { createSignedInUser, startWebPlatform, webRequest, type RequestOptions, type WebPlatform } from "../support/web";

/**
 * Custom domains end to end: the owner API, verification against a real DNS server on loopback
 * (DNS_RESOLVER), routing of the real gateway to the real PocketBase, Caddy's `ask` endpoint, and
 * PocketBase's app URL following the primary domain.
 */
describe("custom domains", () => {
  let web: WebPlatform;
  let dns: TestDns;
  let alice: { cookie: string };
  let bob: { cookie: string };
  const ids = { alice: "", bob: "" };
  const keys = { alice: "" };
  const stamp = Date.now().toString(36);
  const subs = { alice: `doma-${stamp}`, bob: `domb-${stamp}` };
  const host = `api-${stamp}.customer.test`;
  const as =
    (user: { cookie: string }) =>
    (method: string, route: string, opts: RequestOptions = {}) =>
      webRequest(web.url, method, route, { cookie: user.cookie, ...opts });

  /** A request through the gateway with this Host (as a client whose DNS points the name at the platform). */
  const viaGateway = (hostname: string, path = "/api/health", headers: Record<string, string> = {}) =>
    requestFrom(web.orchestrator.gatewayPort, { host: `${hostname}:${web.orchestrator.gatewayPort}`, path, headers });
  const ask = async (domain: string) => (await fetch(`${web.orchestrator.apiUrl}/tls/ask?domain=${encodeURIComponent(domain)}`)).status;
  const appUrl = async () => {
    const res = await viaGateway(`${subs.alice}.localhost`, "/api/settings", { authorization: keys.alice });
    return (JSON.parse(res.body) as { meta: { appURL: string } }).meta.appURL;
  };
  const publish = () => {
    const domain = domainOf.alice;
    for (const r of domain.records) {
      if (r.type === "TXT") dns.zone.set(r.name, { txt: [r.value] });
      else dns.zone.set(r.name, { cname: r.value });
    }
  };
  const domainOf = { alice: undefined as unknown as DomainJson };

  beforeAll(async () => {
    dns = await startTestDns();
    web = await startWebPlatform({ orchestratorEnv: { DNS_RESOLVER: dns.address, CUSTOM_DOMAINS_PER_USER: "2", IDLE_TIMEOUT_MINUTES: "0" } });
    alice = await createSignedInUser(web.url, "domains-alice");
    bob = await createSignedInUser(web.url, "domains-bob");
    for (const who of ["alice", "bob"] as const) {
      const created = await as(who === "alice" ? alice : bob)("POST", "/api/instances", { body: { name: who, subdomain: subs[who] } });
      expect(created.status, created.text).toBe(201);
      ids[who] = (created.json.instance as { id: string }).id;
    }
    expect((await as(alice)("POST", `/api/instances/${ids.alice}/start?wait=1`)).status).toBe(200);
    keys.alice = ((await as(alice)("POST", `/api/instances/${ids.alice}/keys`, { body: { name: "domains" } })).json.key as { key: string }).key;
  });

  afterAll(async () => {
    await web?.dispose();
    await dns?.close();
  });

  it("adds a domain as pending, shows the records to create and what is missing, and routes nothing yet", async () => {
    const res = await as(alice)("POST", `/api/instances/${ids.alice}/domains`, { body: { hostname: ` ${host.toUpperCase()}. ` } });
    expect(res.status, res.text).toBe(201);
    domainOf.alice = res.json.domain as DomainJson;
    expect(domainOf.alice).toMatchObject({ hostname: host, status: "pending", isPrimary: true });
    expect(domainOf.alice.lastError).toMatch(/TXT record _picobase\./);
    expect(domainOf.alice.records).toEqual([
      { type: "CNAME", name: host, value: `${subs.alice}.localhost` },
      { type: "TXT", name: `_picobase.${host}`, value: expect.stringMatching(/^picobase-verify=[0-9a-f]{32}$/) },
    ]);
    expect((await viaGateway(host)).status).toBe(404);
    expect(await ask(host)).toBe(404);
  });

  it.each([
    ["https://api.example.com/", /without https/],
    ["localhost", /full domain/],
    ["api.localhost", /cannot be used/],
    ["10.0.0.1", /not an IP/],
    ["bad_label.example.com", /not a valid domain/],
    ["ünï.example.com", /ASCII/],
  ])("refuses %s with a 422 that changes nothing", async (hostname, message) => {
    const res = await as(alice)("POST", `/api/instances/${ids.alice}/domains`, { body: { hostname } });
    expect(res.status).toBe(422);
    expect((res.json.error as { message: string }).message).toMatch(message);
    expect(((await as(alice)("GET", `/api/instances/${ids.alice}/domains`)).json.domains as unknown[]).length).toBe(1);
  });

  it("verifies once TXT and CNAME are published: the gateway routes it, certificates are approved, the app URL follows", async () => {
    publish();
    const res = await as(alice)("POST", `/api/instances/${ids.alice}/domains/check`);
    expect(res.status).toBe(200);
    expect((res.json.domains as DomainJson[])[0]).toMatchObject({ status: "verified", lastError: null });
    const health = await viaGateway(host);
    expect(health.status).toBe(200);
    expect(JSON.parse(health.body)).toMatchObject({ code: 200 });
    expect(await ask(host)).toBe(200);
    expect(await ask(`${subs.alice}.localhost`)).toBe(200);
    expect(await ask(`nobody-${stamp}.localhost`)).toBe(404);
    expect(await ask("unrelated.example.org")).toBe(404);
    expect(await appUrl()).toBe(`http://${host}:${web.orchestrator.gatewayPort}`);
  });

  it("keeps a verified name to one instance, and another owner's instance out of reach", async () => {
    const taken = await as(bob)("POST", `/api/instances/${ids.bob}/domains`, { body: { hostname: host } });
    expect(taken.status).toBe(409);
    expect((await as(alice)("POST", `/api/instances/${ids.alice}/domains`, { body: { hostname: host } })).status).toBe(409);
    expect(taken.text).not.toContain(subs.alice);
    expect((await as(bob)("GET", `/api/instances/${ids.alice}/domains`)).status).toBe(404);
    expect((await as(bob)("POST", `/api/instances/${ids.alice}/domains`, { body: { hostname: "x.customer.test" } })).status).toBe(404);
    expect((await as(bob)("DELETE", `/api/instances/${ids.alice}/domains/${domainOf.alice.id}`)).status).toBe(404);
    expect((await webRequest(web.url, "GET", `/api/instances/${ids.alice}/domains`)).status).toBe(401);
  });

  it("lets nobody squat a name: an earlier claim stays pending while the owner whose token DNS publishes verifies", async () => {
    const squatted = `squat-${stamp}.customer.test`;
    const bobs = await as(bob)("POST", `/api/instances/${ids.bob}/domains`, { body: { hostname: squatted } });
    expect(bobs.status).toBe(201);
    const alices = await as(alice)("POST", `/api/instances/${ids.alice}/domains`, { body: { hostname: squatted } });
    expect(alices.status, alices.text).toBe(201);
    for (const r of (alices.json.domain as DomainJson).records) dns.zone.set(r.name, r.type === "TXT" ? { txt: [r.value] } : { cname: r.value });
    const mine = (await as(alice)("POST", `/api/instances/${ids.alice}/domains/check`)).json.domains as DomainJson[];
    expect(mine.find((d) => d.hostname === squatted)?.status).toBe("verified");
    const theirs = (await as(bob)("POST", `/api/instances/${ids.bob}/domains/check`)).json.domains as DomainJson[];
    expect(theirs.find((d) => d.hostname === squatted)).toMatchObject({ status: "pending", lastError: expect.stringMatching(/TXT record/) });
    expect((await as(alice)("DELETE", `/api/instances/${ids.alice}/domains/${(alices.json.domain as DomainJson).id}`)).status).toBe(204);
    expect((await as(bob)("DELETE", `/api/instances/${ids.bob}/domains/${(bobs.json.domain as DomainJson).id}`)).status).toBe(204);
  });

  it("limits domains per user", async () => {
    expect((await as(alice)("POST", `/api/instances/${ids.alice}/domains`, { body: { hostname: `two-${stamp}.customer.test` } })).status).toBe(201);
    const third = await as(alice)("POST", `/api/instances/${ids.alice}/domains`, { body: { hostname: `three-${stamp}.customer.test` } });
    expect(third.status).toBe(403);
    expect((third.json.error as { message: string }).message).toMatch(/limit of 2 custom domains/);
  });

  it("notices removed records: the domain is lost, stops routing, and the app URL goes back", async () => {
    dns.zone.delete(`_picobase.${host}`);
    const res = await as(alice)("POST", `/api/instances/${ids.alice}/domains/check`);
    const domain = (res.json.domains as DomainJson[]).find((d) => d.hostname === host);
    expect(domain).toMatchObject({ status: "lost", lastError: expect.stringMatching(/TXT record/) });
    await expect.poll(async () => (await viaGateway(host)).status, { timeout: 10_000 }).toBe(404);
    expect(await ask(host)).toBe(404);
    expect(await appUrl()).toBe(`http://${subs.alice}.localhost:${web.orchestrator.gatewayPort}`);
  });

  it("frees the name when its instance is deleted", async () => {
    expect((await as(alice)("DELETE", `/api/instances/${ids.alice}`)).status).toBe(204);
    const res = await as(bob)("POST", `/api/instances/${ids.bob}/domains`, { body: { hostname: host } });
    expect(res.status, res.text).toBe(201);
  });
});
