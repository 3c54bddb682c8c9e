import { afterEach, describe, expect, it, vi } from "vitest";
import { AppError, UnavailableError } from "./errors";
import { createOrchestratorClient, readOrchestratorEvents, type OrchestratorMessage } from "./orchestrator-client";

function streamOf(chunks: string[]): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  return new ReadableStream({
    start(controller) {
      for (const c of chunks) controller.enqueue(encoder.encode(c));
      controller.close();
    },
  });
}

async function collect(chunks: string[]): Promise<OrchestratorMessage[]> {
  const out: OrchestratorMessage[] = [];
  for await (const m of readOrchestratorEvents(streamOf(chunks))) out.push(m);
  return out;
}

describe("readOrchestratorEvents", () => {
  it("parses instance, instance-event and instance-deleted messages split across chunks, skipping others", async () => {
    const instance = { id: "i1", ownerId: "u1", status: "running" };
    const event = { id: 7, instanceId: "i1", type: "started", message: "Running.", createdAt: "2030-01-01T00:00:00.000Z" };
    const text = [
      "event: ready\ndata: {}\n\n",
      ": keep-alive\n\n",
      "retry: 3000\n\n",
      `event: instance\ndata: ${JSON.stringify({ instance })}\n\n`,
      `event: instance-event\r\ndata: ${JSON.stringify({ event })}\r\n\r\n`,
      'event: something-new\ndata: {"x":1}\n\n',
      'data: {"id":"no-event-name"}\n\n',
      'event: instance-deleted\ndata: {"id":"i1"}\n\n',
    ].join("");
    const chunks = text.match(/[\s\S]{1,7}/g) ?? [];
    expect(await collect(chunks)).toEqual([
      { type: "instance", instance },
      { type: "instance-event", event },
      { type: "instance-deleted", id: "i1" },
    ]);
  });

  it("joins multi-line data and decodes characters split across chunks", async () => {
    const bytes = new TextEncoder().encode('event: instance\ndata: {"instance":\ndata: {"id":"é"}}\n\n');
    const split = bytes.indexOf(0xc3) + 1; // in the middle of "é"
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(bytes.slice(0, split));
        controller.enqueue(bytes.slice(split));
        controller.close();
      },
    });
    const out: OrchestratorMessage[] = [];
    for await (const m of readOrchestratorEvents(body)) out.push(m);
    expect(out).toEqual([{ type: "instance", instance: { id: "é" } }]);
  });

  it("ignores an unterminated trailing message", async () => {
    expect(await collect(['event: instance\ndata: {"instance":{"id":"x"}}\n'])).toEqual([]);
  });
});

describe("orchestrator client errors", () => {
  afterEach(() => vi.unstubAllGlobals());

  const client = createOrchestratorClient({ baseUrl: "http://orchestrator.test", token: "t" });
  const answer = (status: number, body: unknown, headers: Record<string, string> = {}) =>
    vi.stubGlobal("fetch", async () => new Response(body === undefined ? null : JSON.stringify(body), { status, headers }));
  const failureOf = (promise: Promise<unknown>) =>
    promise.then(
      () => expect.unreachable(),
      (err: unknown) => err,
    );

  it("keeps the orchestrator's code, status, message, details and Retry-After", async () => {
    answer(409, { error: { code: "conflict", message: "That subdomain is taken.", details: { field: "subdomain" } } }, { "retry-after": "7" });
    const err = await failureOf(client.get("i1"));
    expect(err).toBeInstanceOf(AppError);
    expect(err).toMatchObject({ status: 409, code: "conflict", message: "That subdomain is taken.", details: { field: "subdomain" }, retryAfterSeconds: 7 });
  });

  it("turns its 5xx answers into 503 unavailable, Retry-After 5 unless it said otherwise", async () => {
    answer(500, { error: { code: "internal", message: "Internal server error." } });
    expect(await failureOf(client.get("i1"))).toMatchObject({ status: 503, code: "unavailable", retryAfterSeconds: 5 });
    answer(503, { error: { code: "unavailable", message: "Instance could not start." } }, { "retry-after": "30" });
    const err = await failureOf(client.start("i1", true));
    expect(err).toBeInstanceOf(UnavailableError);
    expect(err).toMatchObject({ message: "Instance could not start.", retryAfterSeconds: 30 });
  });

  it("names the status when the answer is not a JSON error", async () => {
    vi.stubGlobal("fetch", async () => new Response("Unauthorized", { status: 401 }));
    expect(await failureOf(client.get("i1"))).toMatchObject({
      status: 401,
      code: "orchestrator_error",
      message: "The instance service answered 401.",
      retryAfterSeconds: undefined,
    });
  });

  it("is 503 when the orchestrator cannot be reached", async () => {
    vi.stubGlobal("fetch", async () => {
      throw new TypeError("fetch failed");
    });
    expect(await failureOf(client.get("i1"))).toMatchObject({ status: 503, code: "unavailable", retryAfterSeconds: 5 });
  });
});

describe("orchestrator client paths", () => {
  afterEach(() => vi.unstubAllGlobals());

  const client = createOrchestratorClient({ baseUrl: "http://orchestrator.test", token: "t" });
  const requested: string[] = [];
  const record = () => {
    requested.length = 0;
    vi.stubGlobal("fetch", async (url: URL) => {
      requested.push(url.pathname);
      return new Response("{}", { status: 200 });
    });
  };

  it("never lets a caller's `..` climb out of the route it was checked for", async () => {
    record();
    // A file path the web route got as `..%2F..%2F…`: resolved by the URL, it named another instance's routes.
    for (const filePath of ["../../../../other/logs", "pb_hooks/../../../../../events", "pb_hooks/./a.js", "pb_hooks//a.js", ".."]) {
      await expect(client.deployFile("i1", "dep_12345678", filePath), filePath).rejects.toMatchObject({ status: 404 });
    }
    for (const deployId of ["..", ".", ""]) {
      await expect(client.getDeploy("i1", deployId)).rejects.toMatchObject({ status: 404 });
      await expect(client.rollback("i1", deployId)).rejects.toMatchObject({ status: 404 });
      await expect(client.deployFile("i1", deployId, "pb_hooks/a.js")).rejects.toMatchObject({ status: 404 });
    }
    await expect(client.get("..")).rejects.toMatchObject({ status: 404 });
    expect(requested).toEqual([]);
  });

  it("keeps ordinary names, dots inside them and encoded characters as one segment each", async () => {
    record();
    await client.deployFile("i1", "dep_12345678", "pb_public/..hidden/a..b/x%2F..%2Fy.js");
    await client.getDeploy("i1", "dep_12345678");
    expect(requested).toEqual([
      "/v1/instances/i1/deploys/dep_12345678/files/pb_public/..hidden/a..b/x%252F..%252Fy.js",
      "/v1/instances/i1/deploys/dep_12345678",
    ]);
  });
});
