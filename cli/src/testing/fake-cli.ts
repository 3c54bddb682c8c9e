import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { PassThrough, Writable } from "node:stream";
import type { CliContext } from "../context";
import { readCliEnv } from "../env";
import { run } from "../run";

/** One request the fake platform saw. */
type SeenRequest = { method: string; path: string; query: URLSearchParams; headers: Headers; body: Buffer };

/** A handler of the fake platform: "GET /api/instances" → answer. */
export type Routes = Record<string, (req: SeenRequest) => Response | Promise<Response>>;

/** A JSON answer. */
export const reply = (status: number, body?: unknown) => new Response(body === undefined ? null : JSON.stringify(body), { status });

function collector(): { stream: Writable; text: () => string } {
  let text = "";
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      text += chunk.toString();
      callback();
    },
  });
  return { stream, text: () => text };
}

/**
 * Runs the CLI in-process against routes instead of a platform, off a terminal, with no sleeping.
 * Unrouted requests answer 404 `not_found` like the platform. A given `home` is kept afterwards.
 */
export async function runWithRoutes(argv: string[], routes: Routes, options: { env?: Record<string, string>; home?: string } = {}) {
  const home = options.home ?? fs.mkdtempSync(path.join(os.tmpdir(), "picobase-cli-"));
  const stdout = collector();
  const stderr = collector();
  const seen: SeenRequest[] = [];
  const fakeFetch = (async (input: string | URL | Request, init?: RequestInit) => {
    const url = new URL(String(input));
    const body = init?.body instanceof ReadableStream ? Buffer.from(await new Response(init.body).arrayBuffer()) : Buffer.from(String(init?.body ?? ""));
    const req = { method: init?.method ?? "GET", path: url.pathname, query: url.searchParams, headers: new Headers(init?.headers), body };
    seen.push(req);
    const handler = routes[`${req.method} ${req.path}`];
    return handler ? handler(req) : reply(404, { error: { code: "not_found", message: "Not found." } });
  }) as typeof fetch;
  let clock = 0;
  const ctx: CliContext = {
    env: readCliEnv({ HOME: home, PICOBASE_URL: "http://pb.test", PICOBASE_TOKEN: "pbt_id_secret", ...options.env }, "linux"),
    io: { stdin: new PassThrough() as unknown as NodeJS.ReadStream, stdout: stdout.stream, stderr: stderr.stream as Writable & NodeJS.WritableStream },
    fetch: fakeFetch,
    sleep: async (ms) => void (clock += ms),
    now: () => clock,
    platform: "linux",
  };
  try {
    const exitCode = await run(argv, ctx);
    return { exitCode, stdout: stdout.text(), stderr: stderr.text(), seen, configDir: ctx.env.configDir };
  } finally {
    if (!options.home) fs.rmSync(home, { recursive: true, force: true });
  }
}
