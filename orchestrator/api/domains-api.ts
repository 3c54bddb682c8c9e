import { Hono } from "hono";
import { z } from "zod";
import type { Domains } from "../domains/domains";
import { parseJson } from "./parse";

const addSchema = z.object({ hostname: z.string().max(300) });

/** Custom-domain routes of the internal API, under /v1/instances (the dashboard checked the owner). */
export function domainsApi(deps: { domains: Domains }) {
  const { domains } = deps;
  return new Hono()
    .get("/:id/domains", async (c) => c.json({ domains: await domains.list(c.req.param("id")) }))
    .post("/:id/domains", async (c) => {
      const { hostname } = await parseJson(c, addSchema);
      return c.json({ domain: await domains.add(c.req.param("id"), hostname) }, 201);
    })
    .post("/:id/domains/check", async (c) => {
      await domains.check(c.req.param("id"));
      return c.json({ domains: await domains.list(c.req.param("id")) });
    })
    .post("/:id/domains/:domainId/primary", async (c) => {
      await domains.setPrimary(c.req.param("id"), c.req.param("domainId"));
      return c.json({ domains: await domains.list(c.req.param("id")) });
    })
    .delete("/:id/domains/:domainId", async (c) => {
      await domains.remove(c.req.param("id"), c.req.param("domainId"));
      return c.body(null, 204);
    });
}

/**
 * Caddy's on-demand TLS `ask` endpoint (no token: Caddy calls it as is, on loopback, and the answer
 * is only yes or no): 200 for a name the platform serves, so a certificate may be obtained for it.
 */
export function tlsAskApi(deps: { approves: (hostname: string) => Promise<boolean> }) {
  return new Hono().get("/ask", async (c) => {
    const domain = c.req.query("domain") ?? "";
    return (await deps.approves(domain)) ? c.body(null, 200) : c.body(null, 404);
  });
}
