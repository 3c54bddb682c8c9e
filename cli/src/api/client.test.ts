import { describe, expect, it } from "vitest";
import { ApiError, CliError, exitCodeOf, formatError, UsageError } from "../errors";
import { createApiClient } from "./client";

type Call = { url: string; init: RequestInit };

function fakeFetch(respond: (call: Call) => Response | Promise<Response>): { fetch: typeof fetch; calls: Call[] } {
  const calls: Call[] = [];
  const fetchImpl = (async (input: string | URL | Request, init?: RequestInit) => {
    const call = { url: String(input), init: init ?? {} };
    calls.push(call);
    return respond(call);
  }) as typeof fetch;
  return { fetch: fetchImpl, calls };
}

const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });

describe("createApiClient", () => {
  it("sends the token as a bearer, JSON bodies and queries", async () => {
    const { fetch, calls } = fakeFetch(() => json(200, { ok: true }));
    const api = createApiClient({ url: "https://pb.example.com/", token: "pbt_a_b", fetch });
    expect(await api.request("PATCH", "/api/instances/x/secrets", { json: { set: { A: "1" } }, query: { wait: 1, skip: undefined } })).toEqual({ ok: true });
    const [call] = calls;
    expect(call?.url).toBe("https://pb.example.com/api/instances/x/secrets?wait=1");
    expect(call?.init.headers).toMatchObject({ authorization: "Bearer pbt_a_b", "content-type": "application/json" });
    expect(call?.init.body).toBe('{"set":{"A":"1"}}');
  });

  it("returns undefined for 204", async () => {
    const { fetch } = fakeFetch(() => new Response(null, { status: 204 }));
    expect(await createApiClient({ url: "http://x", token: "t", fetch }).request("DELETE", "/api/instances/x")).toBeUndefined();
  });

  it("turns the platform's error into one ApiError with its message and code", async () => {
    const { fetch } = fakeFetch(() => json(409, { error: { code: "conflict", message: "This subdomain is already taken." } }));
    const err = await createApiClient({ url: "http://x", token: "t", fetch })
      .request("POST", "/api/instances", { json: {} })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({ status: 409, code: "conflict", message: "This subdomain is already taken.", exitCode: 1 });
  });

  it("adds the login hint to a 401", async () => {
    const { fetch } = fakeFetch(() => json(401, { error: { code: "unauthorized", message: "Authentication required." } }));
    const api = createApiClient({ url: "http://x", token: "t", fetch, unauthorizedHint: "Run `picobase login`." });
    await expect(api.request("GET", "/api/instances")).rejects.toThrow("Authentication required. Run `picobase login`.");
  });

  it("describes an answer that is not the platform's (a proxy's error page)", async () => {
    const { fetch } = fakeFetch(() => new Response("<html>Bad gateway</html>", { status: 502, statusText: "Bad Gateway" }));
    await expect(createApiClient({ url: "http://x", token: "t", fetch }).request("GET", "/api/instances")).rejects.toThrow(
      "the dashboard answered 502 Bad Gateway",
    );
  });

  it("says when a 2xx answer is not JSON (a URL that is not the dashboard)", async () => {
    const { fetch } = fakeFetch(() => new Response("<html></html>", { status: 200 }));
    await expect(createApiClient({ url: "http://x", token: "t", fetch }).request("GET", "/api/instances")).rejects.toThrow(
      "the answer from http://x is not JSON: is that the PicoBase dashboard's address?",
    );
  });

  it("says the dashboard is unreachable, with the system's reason", async () => {
    const { fetch } = fakeFetch(() => {
      throw new TypeError("fetch failed", { cause: Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:9"), { code: "ECONNREFUSED" }) });
    });
    await expect(createApiClient({ url: "http://127.0.0.1:9", token: "t", fetch }).request("GET", "/api/instances")).rejects.toThrow(
      "cannot reach the dashboard at http://127.0.0.1:9 (ECONNREFUSED).",
    );
  });

  it("streams a body with duplex half", async () => {
    const { fetch, calls } = fakeFetch(() => json(202, {}));
    const body = new ReadableStream<Uint8Array>({ start: (c) => c.close() });
    await createApiClient({ url: "http://x", token: "t", fetch }).request("POST", "/d", { body, headers: { "content-type": "application/gzip" } });
    expect(calls[0]?.init).toMatchObject({ body, duplex: "half", headers: { "content-type": "application/gzip" } });
  });
});

describe("formatError and exit codes", () => {
  it("prints one error line and picks the code", () => {
    expect(formatError(new ApiError(404, "not_found", "Instance not found."))).toBe("error: Instance not found.");
    expect(formatError(new Error("  boom \n"))).toBe("error: boom");
    expect(formatError("odd")).toBe("error: odd");
    expect(exitCodeOf(new CliError("x"))).toBe(1);
    expect(exitCodeOf(new UsageError("x"))).toBe(2);
    expect(exitCodeOf(new TypeError("bug"))).toBe(1);
  });
});
