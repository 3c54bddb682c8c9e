import { count, eq } from "drizzle-orm";
import { afterAll, beforeAll, expect, it } from "vitest";
import { instances } from "../../lib/db/schema";
import { startSqld } from "../support/sqld";
import { createSignedInUser, startWebPlatform, webRequest, type WebPlatform } from "../support/web";

/** The web app on the remote control-DB path: a real libSQL server (sqld) shared with the orchestrator. */
let sqld: Awaited<ReturnType<typeof startSqld>>;
let web: WebPlatform;

beforeAll(async () => {
  sqld = await startSqld();
  web = await startWebPlatform({ env: { INSTANCE_QUOTA: "3" }, orchestratorEnv: { TURSO_DATABASE_URL: sqld.url } });
});

afterAll(async () => {
  await web?.dispose();
  await sqld?.dispose();
});

it("signs up, creates an instance and issues a key with the control DB on sqld", async () => {
  const user = await createSignedInUser(web.url, "remote");
  const sub = `remote-${Date.now().toString(36)}`;
  const created = await webRequest(web.url, "POST", "/api/instances", { cookie: user.cookie, body: { name: "Remote", subdomain: sub } });
  expect(created.status, created.text).toBe(201);
  const id = (created.json.instance as { id: string }).id;
  const key = await webRequest(web.url, "POST", `/api/instances/${id}/keys`, { cookie: user.cookie, body: { name: "ci" } });
  expect(key.status).toBe(201);
  const status = await webRequest(web.url, "GET", `/api/instances/${id}`, { bearer: (key.json.key as { key: string }).key });
  expect(status.json.instance).toMatchObject({ id, subdomain: sub, status: "stopped" });
  // The rows really live in sqld: the orchestrator's handle reads the same database.
  const row = await web.orchestrator.db.query.users.findFirst({ where: (u, { eq }) => eq(u.email, user.email) });
  expect(row?.id).toBe(user.id);
});

it("creates exactly the quota when 30 creates race on sqld", async () => {
  const racer = await createSignedInUser(web.url, "racer");
  const tag = Date.now().toString(36);
  const results = await Promise.all(
    Array.from({ length: 30 }, (_, i) =>
      webRequest(web.url, "POST", "/api/instances", { cookie: racer.cookie, body: { name: `Race ${i}`, subdomain: `rr-${tag}-${i}` } }),
    ),
  );
  expect(results.filter((r) => r.status === 201)).toHaveLength(3);
  expect(results.filter((r) => r.status === 403)).toHaveLength(27);
  const [row] = await web.orchestrator.db.select({ n: count() }).from(instances).where(eq(instances.ownerId, racer.id));
  expect(row?.n).toBe(3);
});
