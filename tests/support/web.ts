import fs from "node:fs";
import net from "node:net";
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

/**
 * Builds if needed, starts the real orchestrator, then the production web server against it. With
 * `smtpUrl` (e.g. a mailpit's, tests/support/mailpit.ts) both send their mail there; without it
 * mails are written to their logs.
 */
export async function startWebPlatform(
  options: { env?: Record<string, string>; orchestratorEnv?: Record<string, string>; smtpUrl?: string } = {},
): Promise<WebPlatform> {
  await ensureWebBuild();
  const mail: Record<string, string> = options.smtpUrl ? { SMTP_URL: options.smtpUrl } : {};
  // The web inherits the orchestrator's environment (startWeb), SMTP_URL included.
  const orchestrator = await startOrchestrator({ env: { ...mail, ...options.orchestratorEnv } });
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
  const csrfCookie = csrfRes.headers
    .getSetCookie()
    .map((c) => c.split(";")[0])
    .join("; ");
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
  const csrfCookie = csrfRes.headers
    .getSetCookie()
    .map((c) => c.split(";")[0])
    .join("; ");
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
 * Streams a large body (JSON whitespace, so only its size matters) over a raw socket and stops
 * sending as soon as the server answers. With `declaredLength` the request announces that
 * Content-Length but sends only `totalBytes`; without it the body is chunked and ended after
 * `totalBytes`. Rejects when no answer comes within `timeoutMs`.
 */
export function uploadUntilAnswered(
  baseUrl: string,
  route: string,
  opts: { totalBytes: number; declaredLength?: number; headers?: Record<string, string>; timeoutMs?: number },
): Promise<UploadResult> {
  // A raw socket: once the server has answered it may close mid-upload, and a failed write (EPIPE)
  // must not lose the answer already received, as it can with http.request.
  const url = new URL(route, baseUrl);
  const headers: Record<string, string> = { host: url.host, connection: "close", "content-type": "application/json", ...opts.headers };
  if (opts.declaredLength !== undefined) headers["content-length"] = String(opts.declaredLength);
  else headers["transfer-encoding"] = "chunked";
  const head = `POST ${url.pathname}${url.search} HTTP/1.1\r\n${Object.entries(headers)
    .map(([k, v]) => `${k}: ${v}`)
    .join("\r\n")}\r\n\r\n`;
  const chunk = Buffer.alloc(64 * 1024, " ");
  const frame = opts.declaredLength === undefined ? Buffer.concat([Buffer.from(`${chunk.length.toString(16)}\r\n`), chunk, Buffer.from("\r\n")]) : chunk;
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(url.port), url.hostname);
    let sent = 0;
    let received = "";
    const answered = () => received.includes("\r\n\r\n");
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no answer within ${opts.timeoutMs ?? 20_000} ms after sending ${sent} bytes`));
    }, opts.timeoutMs ?? 20_000);
    const finish = () => {
      clearTimeout(timer);
      if (!answered()) return reject(new Error(`connection closed without an answer after sending ${sent} bytes`));
      const [statusLine = "", ...rest] = received.split("\r\n");
      const body = received.slice(received.indexOf("\r\n\r\n") + 4);
      const chunked = rest.some((l) => /^transfer-encoding:\s*chunked/i.test(l));
      resolve({ status: Number(statusLine.split(" ")[1]), body: chunked ? dechunk(body) : body, bytesSent: sent });
    };
    socket.setEncoding("latin1");
    socket.on("data", (d: string) => {
      received += d;
      const length = /\r\ncontent-length:\s*(\d+)/i.exec(received)?.[1];
      if (answered() && length !== undefined && received.length - received.indexOf("\r\n\r\n") - 4 >= Number(length)) socket.destroy();
    });
    socket.on("close", finish);
    socket.on("error", () => socket.destroy()); // EPIPE/ECONNRESET after the answer: finish() reads what arrived
    const pump = () => {
      while (!answered() && sent < opts.totalBytes && !socket.destroyed) {
        sent += chunk.length;
        if (!socket.write(frame)) return void socket.once("drain", pump);
      }
      if (!answered() && opts.declaredLength === undefined && !socket.destroyed) socket.write("0\r\n\r\n");
    };
    socket.once("connect", () => {
      socket.write(head);
      pump();
    });
  });
}

/** The payload of a chunked HTTP body. */
function dechunk(body: string): string {
  let out = "";
  let rest = body;
  for (;;) {
    const line = rest.indexOf("\r\n");
    const size = line < 0 ? 0 : parseInt(rest.slice(0, line), 16);
    if (!size) return out;
    out += rest.slice(line + 2, line + 2 + size);
    rest = rest.slice(line + 2 + size + 2);
  }
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
