import { describe, expect, it } from "vitest";
import type { Domain } from "../api/types";
import { instanceFixture } from "../testing/fixtures";
import { reply, runWithRoutes, type Routes } from "../testing/fake-cli";

const shop = instanceFixture({ id: "shopid00000000", subdomain: "shop" });
const domainFixture = (overrides: Partial<Domain>): Domain => ({
  id: "dom-1",
  hostname: "api.example.org",
  status: "pending",
  isPrimary: true,
  lastError: "The TXT record _picobase.api.example.org with this domain's verification value was not found.",
  checkedAt: "2026-11-22T04:21:00.000Z",
  verifiedAt: null,
  createdAt: "2026-11-22T04:20:59.217Z",
  records: [
    { type: "CNAME", name: "api.example.org", value: "shop.example.com" },
    { type: "TXT", name: "_picobase.api.example.org", value: "picobase-verify=0123abcd" },
  ],
  ...overrides,
});
const pending = domainFixture({});
const verified = domainFixture({ id: "dom-2", hostname: "www.example.org", status: "verified", isPrimary: false, lastError: null, records: [] });
const routes: Routes = {
  "GET /api/instances": () => reply(200, { instances: [shop], quota: 5 }),
  "GET /api/instances/shopid00000000/domains": () => reply(200, { domains: [pending, verified] }),
};

describe("picobase domains", () => {
  it("lists the domains and, for one not verified, the records to create and what is missing", async () => {
    const result = await runWithRoutes(["domains", "list", "--instance", "shop"], routes);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^api\.example\.org\s+pending\s+yes/m);
    expect(result.stdout).toMatch(/^www\.example\.org\s+verified/m);
    expect(result.stdout).toMatch(/^TXT\s+_picobase\.api\.example\.org\s+picobase-verify=0123abcd$/m);
    expect(result.stdout).toContain("Last check: The TXT record");
    expect(result.stdout).not.toContain("www.example.org (verified)");
  });

  it("removes a domain named by its hostname, off a terminal without asking", async () => {
    const result = await runWithRoutes(["domains", "remove", "API.example.org.", "--instance", "shop"], {
      ...routes,
      "DELETE /api/instances/shopid00000000/domains/dom-1": () => reply(204),
    });
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stdout).toBe("Removed api.example.org from shop. Its DNS records can be deleted now.\n");
  });

  it("fails with one line for a domain the instance does not have, and passes the platform's refusal on", async () => {
    const unknown = await runWithRoutes(["domains", "primary", "nope.example.org", "--instance", "shop"], routes);
    expect(unknown).toMatchObject({ exitCode: 1, stderr: expect.stringMatching(/^error: no custom domain "nope\.example\.org" on this instance/) });
    const limit = await runWithRoutes(["domains", "add", "new.example.org", "--instance", "shop"], {
      ...routes,
      "POST /api/instances/shopid00000000/domains": () =>
        reply(403, { error: { code: "domain_limit", message: "You have reached your limit of 10 custom domains." } }),
    });
    expect(limit).toMatchObject({ exitCode: 1, stderr: "error: You have reached your limit of 10 custom domains.\n" });
  });
});
