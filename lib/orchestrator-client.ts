import { createParser } from "eventsource-parser";
import type { DeployJson, InstanceEventJson, InstanceJson } from "./instance-json";
import { AppError, NotFoundError, UnavailableError, type ErrorBody } from "./errors";
import type { BackupsOverview } from "./backups-json";
import type { DomainJson } from "./domains";

/** An instance as the orchestrator's internal API returns it (no superuser fields, ISO dates). */
export type { DeployJson, InstanceEventJson, InstanceJson } from "./instance-json";

/** A file of a deploy as listed. */
export type DeployFileJson = { path: string; size: number; sha256: string };

/** One message of the orchestrator's event stream. */
export type OrchestratorMessage =
  { type: "instance"; instance: InstanceJson } | { type: "instance-event"; event: InstanceEventJson } | { type: "instance-deleted"; id: string };

/** Client of the orchestrator's internal API; every failure is an AppError with a user-safe message. */
export type OrchestratorClient = ReturnType<typeof createOrchestratorClient>;

/**
 * One path segment of an internal API URL. encodeURIComponent leaves dots alone, and the URL the
 * request is made with resolves `.` and `..` segments, so a caller's value of `..` (a file path
 * arriving as `..%2F..`) would climb out of the route it was checked for into any other one,
 * called with the platform's token: such segments, and empty ones, are never found.
 */
function segment(value: string): string {
  if (value === "" || value === "." || value === "..") throw new NotFoundError();
  return encodeURIComponent(value);
}

/** Creates the client for `baseUrl`, authenticated with the shared internal token. */
export function createOrchestratorClient({ baseUrl, token }: { baseUrl: string; token: string }) {
  const call = <T>(method: string, path: string, body?: unknown) => request<T>({ baseUrl, token }, method, path, body);
  const id = (instanceId: string) => `/v1/instances/${segment(instanceId)}`;
  return {
    /** Creates an instance; `quota` is the owner's limit, checked by the orchestrator as it inserts. */
    create: (input: { ownerId: string; name: string; subdomain: string; quota: number; template?: string | undefined }) =>
      call<{ instance: InstanceJson }>("POST", "/v1/instances", input).then((r) => r.instance),
    get: async (instanceId: string) => call<{ instance: InstanceJson }>("GET", id(instanceId)).then((r) => r.instance),
    update: async (instanceId: string, input: { name?: string; idleTimeoutMinutes?: number | null }) =>
      call<{ instance: InstanceJson }>("PATCH", id(instanceId), input).then((r) => r.instance),
    start: async (instanceId: string, wait = false) =>
      call<{ instance: InstanceJson }>("POST", `${id(instanceId)}/start${wait ? "?wait=1" : ""}`).then((r) => r.instance),
    stop: async (instanceId: string, wait = false) =>
      call<{ instance: InstanceJson }>("POST", `${id(instanceId)}/stop${wait ? "?wait=1" : ""}`).then((r) => r.instance),
    /** Restarts the instance if it is meant to run (so it reads its secrets again); `restarted` says whether it did. */
    restart: async (instanceId: string, wait = false) =>
      call<{ instance: InstanceJson; restarted: boolean }>("POST", `${id(instanceId)}/restart${wait ? "?wait=1" : ""}`),
    remove: async (instanceId: string) => call<void>("DELETE", id(instanceId)),
    logs: async (instanceId: string, lines = 200) => call<{ lines: string[] }>("GET", `${id(instanceId)}/logs?lines=${lines}`).then((r) => r.lines),
    sso: async (instanceId: string) => call<{ url: string }>("POST", `${id(instanceId)}/sso`).then((r) => r.url),
    /** Streams a bundle to the orchestrator, which checks and stores it (never buffered here). */
    deploy: async (
      instanceId: string,
      upload: { body: ReadableStream<Uint8Array>; contentType: string; contentLength: string | null },
      author: { label: string; userId: string | null },
    ) => {
      const headers: Record<string, string> = { "content-type": upload.contentType, "x-deploy-author": encodeURIComponent(author.label) };
      if (upload.contentLength) headers["content-length"] = upload.contentLength;
      if (author.userId) headers["x-deploy-author-id"] = author.userId;
      const res = await send({ baseUrl, token }, "POST", `${id(instanceId)}/deploys`, { headers, body: upload.body, duplex: "half" } as RequestInit & {
        headers: Record<string, string>;
      });
      return ((await res.json()) as { deploy: DeployJson }).deploy;
    },
    deploys: async (instanceId: string) => call<{ deploys: DeployJson[] }>("GET", `${id(instanceId)}/deploys`).then((r) => r.deploys),
    getDeploy: async (instanceId: string, deployId: string) =>
      call<{ deploy: DeployJson; files: DeployFileJson[] }>("GET", `${id(instanceId)}/deploys/${segment(deployId)}`),
    /** One file of a deploy, as the orchestrator's response (streamed on to the caller). */
    deployFile: async (instanceId: string, deployId: string, filePath: string) =>
      send({ baseUrl, token }, "GET", `${id(instanceId)}/deploys/${segment(deployId)}/files/${filePath.split("/").map(segment).join("/")}`, {}),
    rollback: async (instanceId: string, deployId: string) =>
      call<{ deploy: DeployJson }>("POST", `${id(instanceId)}/deploys/${segment(deployId)}/rollback`).then((r) => r.deploy),
    templates: () => call<{ templates: Array<{ id: string; name: string; description: string }> }>("GET", "/v1/templates").then((r) => r.templates),
    /** Opens the event stream; the caller reads it with `readOrchestratorEvents`. */
    backups: async (instanceId: string) => call<BackupsOverview>("GET", `${id(instanceId)}/backups`),
    /** Streams an existing PocketBase's backup zip to the orchestrator, which creates and starts an instance from it. */
    importArchive: async (
      input: { ownerId: string; name: string; subdomain: string; quota: number },
      upload: { body: ReadableStream<Uint8Array>; contentType: string; contentLength: string | null },
    ) => {
      const headers: Record<string, string> = { "content-type": upload.contentType };
      if (upload.contentLength) headers["content-length"] = upload.contentLength;
      const query = new URLSearchParams({ ownerId: input.ownerId, name: input.name, subdomain: input.subdomain, quota: String(input.quota) });
      const res = await send({ baseUrl, token }, "POST", `/v1/instances/import?${query.toString()}`, {
        headers,
        body: upload.body,
        duplex: "half",
      } as RequestInit & {
        headers: Record<string, string>;
      });
      return ((await res.json()) as { instance: InstanceJson }).instance;
    },
    /** The instance as a .tar.gz PocketBase directory: the orchestrator's response, streamed on to the caller. */
    download: async (instanceId: string) => send({ baseUrl, token }, "GET", `${id(instanceId)}/archive`, {}),
    /** Restores in place to `at`; resolves once done (the instance runs again if it was meant to). */
    restore: async (instanceId: string, at: string) => call<{ instance: InstanceJson; safetyGeneration: number }>("POST", `${id(instanceId)}/restore`, { at }),
    /** A new instance of the same owner with this one's state at `at`; `quota` is the owner's instance limit. */
    clone: async (instanceId: string, input: { name: string; subdomain: string; at: string; quota: number }) =>
      call<{ instance: InstanceJson }>("POST", `${id(instanceId)}/clone`, input).then((r) => r.instance),
    domains: async (instanceId: string) => call<{ domains: DomainJson[] }>("GET", `${id(instanceId)}/domains`).then((r) => r.domains),
    /** Adds a custom domain (checked at once; pending until its records are found). */
    addDomain: async (instanceId: string, hostname: string) =>
      call<{ domain: DomainJson }>("POST", `${id(instanceId)}/domains`, { hostname }).then((r) => r.domain),
    checkDomains: async (instanceId: string) => call<{ domains: DomainJson[] }>("POST", `${id(instanceId)}/domains/check`).then((r) => r.domains),
    setPrimaryDomain: async (instanceId: string, domainId: string) =>
      call<{ domains: DomainJson[] }>("POST", `${id(instanceId)}/domains/${segment(domainId)}/primary`).then((r) => r.domains),
    removeDomain: async (instanceId: string, domainId: string) => call<void>("DELETE", `${id(instanceId)}/domains/${segment(domainId)}`),
    /**
     * The event stream: of every node (the default), or with `scope: "node"` of this node's own
     * changes only (what nodes relay to each other).
     */
    events: async (signal: AbortSignal, scope: "cluster" | "node" = "cluster"): Promise<ReadableStream<Uint8Array>> => {
      const res = await fetch(new URL(scope === "node" ? "/v1/events?scope=node" : "/v1/events", baseUrl), {
        headers: { authorization: `Bearer ${token}`, accept: "text/event-stream" },
        signal,
        cache: "no-store",
      }).catch((err: unknown) => {
        throw new UnavailableError("The instance service is not reachable right now.", 5, err);
      });
      if (!res.ok || !res.body) throw toAppError(res, await res.json().catch(() => null));
      return res.body;
    },
  };
}

/** One call to the internal API with a body of any kind; a non-2xx answer becomes the AppError it was. */
async function send(
  target: { baseUrl: string; token: string },
  method: string,
  path: string,
  init: RequestInit & { headers?: Record<string, string> },
): Promise<Response> {
  let res: Response;
  try {
    res = await fetch(new URL(path, target.baseUrl), {
      ...init,
      method,
      headers: { ...init.headers, authorization: `Bearer ${target.token}` },
      cache: "no-store",
    });
  } catch (err) {
    throw new UnavailableError("The instance service is not reachable right now. Try again in a moment.", 5, err);
  }
  if (!res.ok) throw toAppError(res, await res.json().catch(() => null));
  return res;
}

/** One JSON call to the internal API; failures become AppErrors carrying the orchestrator's message. */
async function request<T>(target: { baseUrl: string; token: string }, method: string, path: string, body?: unknown): Promise<T> {
  let res: Response;
  try {
    res = await fetch(new URL(path, target.baseUrl), {
      method,
      headers: { authorization: `Bearer ${target.token}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
      body: body === undefined ? undefined : JSON.stringify(body),
      cache: "no-store",
    });
  } catch (err) {
    throw new UnavailableError("The instance service is not reachable right now. Try again in a moment.", 5, err);
  }
  if (res.status === 204) return undefined as T;
  const json: unknown = await res.json().catch(() => null);
  if (!res.ok) throw toAppError(res, json);
  return json as T;
}

/**
 * The orchestrator's JSON error as the AppError it was (code, status, message, details, Retry-After);
 * its 5xx answers become 503s here, as the instance service being unavailable to the web.
 */
function toAppError(res: Response, json: unknown): AppError {
  // Typed as the one error shape, but checked: a proxy or a crash may have answered instead.
  const error = (json as Partial<ErrorBody> | null)?.error;
  const message = typeof error?.message === "string" ? error.message : `The instance service answered ${res.status}.`;
  const retryAfter = res.headers.get("retry-after")?.trim();
  const retryAfterSeconds = retryAfter && /^\d+$/.test(retryAfter) ? Number(retryAfter) : undefined;
  if (res.status >= 500) return new UnavailableError(message, retryAfterSeconds ?? 5);
  const code = typeof error?.code === "string" ? error.code : "orchestrator_error";
  return new AppError(res.status, code, message, { details: error?.details, retryAfterSeconds });
}

/** Parses a Server-Sent Events byte stream into orchestrator messages (ignores unknown events). */
export async function* readOrchestratorEvents(body: ReadableStream<Uint8Array>): AsyncGenerator<OrchestratorMessage> {
  const parsed: OrchestratorMessage[] = [];
  const parser = createParser({
    onEvent: ({ event, data }) => {
      const message = toMessage(event, data);
      if (message) parsed.push(message);
    },
  });
  const decoder = new TextDecoder();
  for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
    parser.feed(decoder.decode(chunk, { stream: true }));
    yield* parsed.splice(0);
  }
}

function toMessage(event: string | undefined, data: string): OrchestratorMessage | null {
  if (event !== "instance" && event !== "instance-event" && event !== "instance-deleted") return null;
  const parsed = JSON.parse(data) as { instance?: InstanceJson; event?: InstanceEventJson; id?: string };
  if (event === "instance" && parsed.instance) return { type: "instance", instance: parsed.instance };
  if (event === "instance-event" && parsed.event) return { type: "instance-event", event: parsed.event };
  if (event === "instance-deleted" && parsed.id) return { type: "instance-deleted", id: parsed.id };
  return null;
}
