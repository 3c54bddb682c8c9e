import fs from "node:fs";
import http from "node:http";
import path from "node:path";
import { execa, type ResultPromise } from "execa";
import getPort from "get-port";
import { startOrchestrator, type OrchestratorHandle } from "./orchestrator";
import { repoRoot } from "./tools";
import { waitFor } from "./wait";

const nextBin = path.join(repoRoot, "node_modules/next/dist/bin/next");
const sourceRoots = ["app", "components", "lib", "proxy.ts", "instrumentation.ts", "next.config.ts", "postcss.config.mjs", "package.json"];

function newestMtime(p: string): number {
  const stat = fs.statSync(p, { throwIfNoEntry: false });
  if (!stat) return 0;
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(stat.mtimeMs, ...fs.readdirSync(p).map((e) => newestMtime(path.join(p, e))));
}

/**
 * Runs `next build` unless `.next/BUILD_ID` is newer than every web source, so a test run builds
 * once however many web test files it has (they run one at a time).
 */
export async function ensureWebBuild(): Promise<void> {
  const buildId = path.join(repoRoot, ".next/BUILD_ID");
  const built = fs.statSync(buildId, { throwIfNoEntry: false })?.mtimeMs ?? 0;
  const newest = Math.max(...sourceRoots.map((r) => newestMtime(path.join(repoRoot, r))));
  if (built > newest) return;
  const result = await execa("node", [nextBin, "build"], { cwd: repoRoot, reject: false, all: true, env: { NEXT_TELEMETRY_DISABLED: "1" } });
  if (result.exitCode !== 0) throw new Error(`next build failed:\n${String(result.all).slice(-4000)}`);
}

/** A running `next start` and the orchestrator it talks to, sharing one temp DATA_DIR. */
export type WebPlatform = {
  url: string;
  orchestrator: OrchestratorHandle;
  logFile: string;
  dispose: () => Promise<void>;
};

/** Builds if needed, starts the real orchestrator, then the production web server against it. */
export async function startWebPlatform(options: { env?: Record<string, string>; orchestratorEnv?: Record<string, string> } = {}): Promise<WebPlatform> {
  await ensureWebBuild();
  const orchestrator = await startOrchestrator({ env: options.orchestratorEnv });
  try {
    return await startWeb(orchestrator, options.env ?? {});
  } catch (err) {
    await orchestrator.dispose();
    throw err;
  }
}

async function startWeb(orchestrator: OrchestratorHandle, extra: Record<string, string>): Promise<WebPlatform> {
  const port = await getPort();
  const url = `http://localhost:${port}`;
  const logFile = path.join(orchestrator.dataDir, "web.log");
  const child: ResultPromise = execa("node", [nextBin, "start", "-p", String(port)], {
    cwd: repoRoot,
    env: {
      ...orchestrator.env,
      NEXTAUTH_URL: url,
      ORCHESTRATOR_URL: orchestrator.apiUrl,
      NEXT_TELEMETRY_DISABLED: "1",
      ...extra,
    },
    stdin: "ignore",
    stdout: { file: logFile },
    stderr: { file: logFile },
    reject: false,
  });
  const exited = child.then(() => {
    throw new Error(`next start exited; log:\n${fs.readFileSync(logFile, "utf8").slice(-3000)}`);
  });
  exited.catch(() => undefined); // only awaited through the race below
  await Promise.race([waitFor("web server", async () => ((await fetch(`${url}/api/auth/csrf`)).ok ? true : undefined), { timeoutMs: 60_000 }), exited]);
  return {
    url,
    orchestrator,
    logFile,
    async dispose() {
      if (child.exitCode === null) {
        child.kill("SIGTERM");
        await child;
      }
      await orchestrator.dispose();
    },
  };
}

/** A response as tests look at it. */
export type WebResponse = { status: number; headers: Headers; text: string; json: Record<string, unknown> };

/** Options for one platform API request. */
export type RequestOptions = { cookie?: string | undefined; bearer?: string | undefined; body?: unknown; rawBody?: string; headers?: Record<string, string> };

/** Sends a request to the web app with an optional session cookie or API key. */
export async function webRequest(baseUrl: string, method: string, route: string, opts: RequestOptions = {}): Promise<WebResponse> {
  const headers: Record<string, string> = { ...opts.headers };
  if (opts.cookie) headers.cookie = opts.cookie;
  if (opts.bearer) headers.authorization = `Bearer ${opts.bearer}`;
  const body = opts.rawBody ?? (opts.body === undefined ? undefined : JSON.stringify(opts.body));
  if (body !== undefined) headers["content-type"] = "application/json";
  const res = await fetch(`${baseUrl}${route}`, { method, headers, body, redirect: "manual" });
  const text = await res.text();
  let json: Record<string, unknown> = {};
  try {
    json = text ? (JSON.parse(text) as Record<string, unknown>) : {};
  } catch {
    json = {}; // not JSON (an HTML page or a stream); tests look at `text` then
  }
  return { status: res.status, headers: res.headers, text, json };
}

/** Signs in through next-auth's credentials endpoint; returns the session cookie or the error. */
export async function signIn(baseUrl: string, email: string, password: string, forwardedFor?: string): Promise<{ cookie?: string; error?: string }> {
  const csrfRes = await fetch(`${baseUrl}/api/auth/csrf`);
  const { csrfToken } = (await csrfRes.json()) as { csrfToken: string };
  const csrfCookie = csrfRes.headers.getSetCookie().map((c) => c.split(";")[0]).join("; ");
  const res = await fetch(`${baseUrl}/api/auth/callback/credentials`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", cookie: csrfCookie, ...(forwardedFor ? { "x-forwarded-for": forwardedFor } : {}) },
    body: new URLSearchParams({ csrfToken, email, password, json: "true" }),
    redirect: "manual",
  });
  const { url } = (await res.json()) as { url: string };
  const error = new URL(url).searchParams.get("error");
  if (error) return { error };
  const session = res.headers.getSetCookie().find((c) => c.startsWith("next-auth.session-token="));
  if (!session) throw new Error(`sign-in returned no session cookie (status ${res.status})`);
  return { cookie: session.split(";")[0] };
}

/** Signs out through next-auth, as the dashboard's button does, with the given session cookie. */
export async function signOut(baseUrl: string, cookie: string): Promise<void> {
  const csrfRes = await fetch(`${baseUrl}/api/auth/csrf`);
  const { csrfToken } = (await csrfRes.json()) as { csrfToken: string };
  const csrfCookie = csrfRes.headers.getSetCookie().map((c) => c.split(";")[0]).join("; ");
  const res = await fetch(`${baseUrl}/api/auth/signout`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", cookie: `${cookie}; ${csrfCookie}` },
    body: new URLSearchParams({ csrfToken, json: "true" }),
    redirect: "manual",
  });
  if (!res.ok) throw new Error(`sign-out answered ${res.status}`);
}

/** What `uploadUntilAnswered` saw: the answer and how much of the body had been sent by then. */
export type UploadResult = { status: number; body: string; bytesSent: number };

/**
 * Streams a large body (JSON whitespace, so only its size matters) with node:http and stops
 * sending as soon as the server answers. With `declaredLength` the request announces that
 * Content-Length but sends only `totalBytes`; without it the body is chunked and ended after
 * `totalBytes`. Rejects when no answer comes within `timeoutMs`.
 */
export function uploadUntilAnswered(
  baseUrl: string,
  route: string,
  opts: { totalBytes: number; declaredLength?: number; headers?: Record<string, string>; timeoutMs?: number },
): Promise<UploadResult> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { "content-type": "application/json", ...opts.headers };
    if (opts.declaredLength !== undefined) headers["content-length"] = String(opts.declaredLength);
    const req = http.request(new URL(route, baseUrl), { method: "POST", headers });
    const chunk = Buffer.alloc(64 * 1024, " ");
    let sent = 0;
    let answered = false;
    const timer = setTimeout(() => {
      req.destroy();
      reject(new Error(`no answer within ${opts.timeoutMs ?? 20_000} ms after sending ${sent} bytes`));
    }, opts.timeoutMs ?? 20_000);
    req.on("response", (res) => {
      answered = true;
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (d: string) => (body += d));
      res.on("end", () => {
        clearTimeout(timer);
        req.destroy();
        resolve({ status: res.statusCode ?? 0, body, bytesSent: sent });
      });
    });
    // Once the server has answered it may close the connection mid-upload; that is expected.
    req.on("error", (err) => {
      if (answered) return;
      clearTimeout(timer);
      reject(err);
    });
    const pump = () => {
      while (!answered && sent < opts.totalBytes) {
        sent += chunk.length;
        if (!req.write(chunk)) return void req.once("drain", pump);
      }
      if (!answered && opts.declaredLength === undefined) req.end();
    };
    pump();
  });
}

/** Signs up and signs in a fresh user; returns its cookie and credentials. */
export async function createSignedInUser(baseUrl: string, label: string): Promise<{ cookie: string; email: string; password: string; id: string }> {
  const email = `${label}-${Math.random().toString(36).slice(2, 8)}@example.com`;
  const password = "correct-horse-battery";
  const res = await webRequest(baseUrl, "POST", "/api/auth/signup", { body: { name: label, email, password } });
  if (res.status !== 201) throw new Error(`signup failed: ${res.status} ${res.text}`);
  const { cookie } = await signIn(baseUrl, email, password);
  if (!cookie) throw new Error("sign-in failed");
  return { cookie, email, password, id: (res.json.user as { id: string }).id };
}
