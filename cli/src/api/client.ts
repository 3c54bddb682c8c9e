import { ApiError, CliError } from "../errors";

/** One request's extras: a query, a JSON body or a streamed body (with its headers). */
type RequestOptions = {
  query?: Record<string, string | number | undefined>;
  json?: unknown;
  body?: ReadableStream<Uint8Array>;
  headers?: Record<string, string>;
};

/** The platform API as the commands use it: paths relative to the dashboard, JSON answers. */
export type ApiClient = {
  readonly baseUrl: string;
  request<T>(method: string, path: string, options?: RequestOptions): Promise<T>;
  /** Like `request`, but resolves with the (2xx) response itself, for a body to stream (a download). */
  response(method: string, path: string, options?: RequestOptions): Promise<Response>;
};

type ClientOptions = {
  url: string;
  token: string;
  fetch: typeof fetch;
  /** Appended to a 401's message: how to fix the credentials. */
  unauthorizedHint?: string;
};

// A streamed request body needs `duplex: "half"` in Node's fetch; the DOM types do not know it yet.
type StreamingInit = RequestInit & { duplex?: "half" };

/** A client that sends `Authorization: Bearer <token>` and turns every failure into one CliError. */
export function createApiClient(options: ClientOptions): ApiClient {
  const baseUrl = options.url.replace(/\/+$/, "");
  return {
    baseUrl,
    async request<T>(method: string, path: string, req: RequestOptions = {}): Promise<T> {
      return readJson<T>(await this.response(method, path, req), baseUrl);
    },
    async response(method: string, path: string, req: RequestOptions = {}): Promise<Response> {
      const url = urlOf(baseUrl, path, req.query);
      const headers: Record<string, string> = { authorization: `Bearer ${options.token}`, accept: "application/json", ...req.headers };
      const init: StreamingInit = { method, headers, redirect: "manual" };
      if (req.json !== undefined) {
        headers["content-type"] = "application/json";
        init.body = JSON.stringify(req.json);
      } else if (req.body) {
        init.body = req.body;
        init.duplex = "half";
      }
      const res = await send(options.fetch, url, init, baseUrl);
      if (!res.ok) throw await apiErrorOf(res, options.unauthorizedHint);
      return res;
    },
  };
}

function urlOf(baseUrl: string, path: string, query: RequestOptions["query"]): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query ?? {})) if (value !== undefined) params.set(name, String(value));
  const search = params.size > 0 ? `?${params}` : "";
  return `${baseUrl}${path}${search}`;
}

async function send(fetchImpl: typeof fetch, url: string, init: RequestInit, baseUrl: string): Promise<Response> {
  try {
    return await fetchImpl(url, init);
  } catch (err) {
    throw new CliError(`cannot reach the dashboard at ${baseUrl} (${networkReason(err)}).`, { cause: err });
  }
}

/** Node's fetch says only "fetch failed"; the reason (ECONNREFUSED, ENOTFOUND, …) is in its cause. */
function networkReason(err: unknown): string {
  const cause = err instanceof Error ? err.cause : undefined;
  if (cause instanceof Error) return (cause as NodeJS.ErrnoException).code ?? cause.message;
  return err instanceof Error ? err.message : String(err);
}

/** The platform's `{error: {code, message}}`, or a plain description of a foreign answer (a proxy's page). */
async function apiErrorOf(res: Response, unauthorizedHint: string | undefined): Promise<ApiError> {
  const body = parseJson(await res.text()) as { error?: { code?: unknown; message?: unknown } } | undefined;
  const code = typeof body?.error?.code === "string" ? body.error.code : `http_${res.status}`;
  let message: string;
  if (typeof body?.error?.message === "string") message = body.error.message;
  else if (res.status >= 300 && res.status < 400)
    message = `the dashboard answered with a redirect (${res.status}): give its own address (https, final host) to login.`;
  else message = `the dashboard answered ${res.status} ${res.statusText}`.trim();
  if (res.status === 401 && unauthorizedHint) message = `${message} ${unauthorizedHint}`;
  return new ApiError(res.status, code, message);
}

async function readJson<T>(res: Response, baseUrl: string): Promise<T> {
  const text = await res.text();
  if (text === "") return undefined as T;
  const parsed = parseJson(text);
  if (parsed === undefined) throw new CliError(`the answer from ${baseUrl} is not JSON: is that the PicoBase dashboard's address?`);
  return parsed as T;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined; // not JSON: the caller says what that means
  }
}
