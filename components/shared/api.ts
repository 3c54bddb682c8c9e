/** An API error as the dashboard shows it: the server's message plus per-field messages. */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly fieldErrors: Record<string, string[] | undefined> = {},
  ) {
    super(message);
  }
}

/** Calls the platform API from the browser; throws ApiError with a readable message on failure. */
export async function apiFetch<T>(path: string, init?: { method?: string; body?: unknown }): Promise<T> {
  let res: Response;
  try {
    res = await fetch(path, {
      method: init?.method ?? "GET",
      headers: init?.body === undefined ? undefined : { "content-type": "application/json" },
      body: init?.body === undefined ? undefined : JSON.stringify(init.body),
    });
  } catch (err) {
    throw new ApiError(`Could not reach the server. Check your connection. (${(err as Error).message})`, 0);
  }
  if (res.status === 204) return undefined as T;
  const json = (await res.json().catch(() => null)) as (T & { error?: { message?: string; details?: { fieldErrors?: Record<string, string[]> } } }) | null;
  if (!res.ok) {
    if (res.status === 401) window.location.assign(`/signin?callbackUrl=${encodeURIComponent(window.location.pathname)}`);
    throw new ApiError(json?.error?.message ?? `Something went wrong (HTTP ${res.status}).`, res.status, json?.error?.details?.fieldErrors);
  }
  return json as T;
}

/** Fetches raw bytes (a deploy's file) from the platform API; failures throw ApiError as apiFetch does. */
export async function apiFetchBytes(path: string): Promise<ArrayBuffer> {
  let res: Response;
  try {
    res = await fetch(path);
  } catch (err) {
    throw new ApiError(`Could not reach the server. Check your connection. (${(err as Error).message})`, 0);
  }
  if (res.ok) return res.arrayBuffer();
  const json = (await res.json().catch(() => null)) as { error?: { message?: string } } | null;
  if (res.status === 401) window.location.assign(`/signin?callbackUrl=${encodeURIComponent(window.location.pathname)}`);
  throw new ApiError(json?.error?.message ?? `Something went wrong (HTTP ${res.status}).`, res.status);
}
