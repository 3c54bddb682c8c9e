import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startOrchestrator, type OrchestratorHandle } from "./support/orchestrator";

// Bad input to the internal API gets a clear 4xx and changes nothing.
describe("internal API input handling", () => {
  let orch: OrchestratorHandle;
  let ownerId: string;
  let existingId: string;

  const instanceCount = async () => (await orch.db.query.instances.findMany()).length;

  beforeAll(async () => {
    orch = await startOrchestrator();
    ownerId = await orch.createUser();
    const created = await orch.api("POST", "/v1/instances", { ownerId, name: "Taken", subdomain: "taken-name" });
    expect(created.status).toBe(201);
    existingId = created.body.instance!.id;
  });
  afterAll(() => orch?.dispose());

  const cases: Array<[string, string, string, unknown, number, string]> = [
    ["invalid subdomain", "POST", "/v1/instances", { name: "A", subdomain: "Not_A_Label!" }, 422, "unprocessable"],
    ["too short subdomain", "POST", "/v1/instances", { name: "A", subdomain: "ab" }, 422, "unprocessable"],
    ["reserved subdomain", "POST", "/v1/instances", { name: "A", subdomain: "admin" }, 422, "unprocessable"],
    ["leading hyphen", "POST", "/v1/instances", { name: "A", subdomain: "-abc" }, 422, "unprocessable"],
    ["duplicate subdomain", "POST", "/v1/instances", { name: "A", subdomain: "taken-name" }, 409, "conflict"],
    ["missing name", "POST", "/v1/instances", { subdomain: "fresh-name" }, 422, "unprocessable"],
    ["too long name", "POST", "/v1/instances", { name: "x".repeat(65), subdomain: "fresh-name" }, 422, "unprocessable"],
    ["malformed JSON", "POST", "/v1/instances", "{not json", 400, "bad_request"],
    ["oversized body", "POST", "/v1/instances", JSON.stringify({ name: "x".repeat(2 * 1024 * 1024) }), 413, "payload_too_large"],
    ["unknown instance", "GET", "/v1/instances/nope", undefined, 404, "not_found"],
    ["start unknown", "POST", "/v1/instances/nope/start", undefined, 404, "not_found"],
    ["stop unknown", "POST", "/v1/instances/nope/stop", undefined, 404, "not_found"],
    ["delete unknown", "DELETE", "/v1/instances/nope", undefined, 404, "not_found"],
    ["bad idle timeout", "PATCH", "/v1/instances/:existing", { idleTimeoutMinutes: -5 }, 422, "unprocessable"],
    ["unknown route", "GET", "/v1/nothing-here", undefined, 404, "not_found"],
    ["limits for an unknown instance", "PUT", "/v1/instances/nope/limits", { pids: 32 }, 404, "not_found"],
    ["memory limit too small", "PUT", "/v1/instances/:existing/limits", { memoryBytes: 1024 }, 422, "unprocessable"],
    ["unknown limit", "PUT", "/v1/instances/:existing/limits", { swapBytes: 1 }, 422, "unprocessable"],
  ];

  it.each(cases)("%s → %i", async (_name, method, route, body, status, code) => {
    const before = await instanceCount();
    const withOwner = body && typeof body === "object" && route === "/v1/instances" ? { ownerId, ...body } : body;
    const res = await orch.api(method, route.replace(":existing", existingId), withOwner);
    expect(res.status).toBe(status);
    expect(res.body.error?.code).toBe(code);
    expect(res.body.error?.message).toBeTruthy();
    expect(await instanceCount()).toBe(before);
    const existing = await orch.api("GET", `/v1/instances/${existingId}`);
    expect(existing.body.instance).toMatchObject({ name: "Taken", idleTimeoutMinutes: null, desiredState: "stopped", resourceLimits: null });
  });

  it("rejects an unknown owner without creating anything", async () => {
    const before = await instanceCount();
    const res = await orch.api("POST", "/v1/instances", { ownerId: "ghost", name: "A", subdomain: "ghost-app" });
    expect(res.status).toBe(422);
    expect(await instanceCount()).toBe(before);
  });

  it.each([
    ["no token", {}],
    ["wrong token", { authorization: "Bearer wrong-token" }],
  ])("refuses requests with %s", async (_name, headers) => {
    const res = await fetch(`${orch.apiUrl}/v1/instances/${existingId}`, { headers });
    expect(res.status).toBe(401);
  });

  it("never exposes the platform superuser credentials", async () => {
    const res = await orch.api("GET", `/v1/instances/${existingId}`);
    expect(JSON.stringify(res.body)).not.toMatch(/superuser/i);
  });
});
