import { randomUUID } from "node:crypto";
import type { MiddlewareHandler } from "hono";
import type { Cluster, Location } from "../cluster/cluster";
import { FORWARDED_HEADER } from "../cluster/peer-api";

/** Routes under `/v1/instances/` that name no instance (an import creates one): answered by the node asked, unless it drains. */
const COLLECTION_ROUTES = new Set(["import"]);
/** Request headers that belong to one connection, not to the request passed on. */
const NOT_PASSED = ["host", "connection", "keep-alive", "transfer-encoding", FORWARDED_HEADER];
/** Response headers `fetch` has already acted on (it decoded the body and frames it anew). */
const NOT_RETURNED = ["content-encoding", "content-length", "transfer-encoding", "connection", "keep-alive"];

/**
 * Lifecycle commands reach the node that runs the instance (docs/scale-out.md): a request under
 * `/v1/instances/:id` for an instance another node runs, or should start, is passed to that node's
 * internal API with the shared token, body streamed, and its answer returned as it is. Reading an
 * instance (`GET /v1/instances/:id`) is answered by any node from the control DB. An import asked
 * of a draining node goes to the node placement chooses for a new instance.
 */
export function forwardToOwner(deps: { cluster: Pick<Cluster, "locate" | "forget" | "place" | "isDraining">; token: string }): MiddlewareHandler {
  return async (c, next) => {
    const id = c.req.param("id");
    const readOnly = c.req.method === "GET" && c.req.path.replace(/\/+$/, "").endsWith(`/${id}`);
    if (!id || readOnly || c.req.header(FORWARDED_HEADER) !== undefined) return next();
    let where: Location;
    if (COLLECTION_ROUTES.has(id)) {
      if (!deps.cluster.isDraining()) return next();
      where = await deps.cluster.place(randomUUID());
    } else {
      where = await deps.cluster.locate(id, { fresh: true });
    }
    if (where.kind !== "peer") return next();
    const headers = new Headers(c.req.raw.headers);
    for (const name of NOT_PASSED) headers.delete(name);
    headers.set("authorization", `Bearer ${deps.token}`);
    headers.set(FORWARDED_HEADER, "1");
    const url = new URL(c.req.url);
    const hasBody = c.req.method !== "GET" && c.req.method !== "HEAD";
    let answer: Response;
    try {
      answer = await fetch(`${where.node.apiUrl}${url.pathname}${url.search}`, {
        method: c.req.method,
        headers,
        body: hasBody ? c.req.raw.body : null,
        signal: c.req.raw.signal,
        // @ts-expect-error Node's fetch needs this to stream a request body; the DOM types lack it.
        duplex: "half",
      });
    } catch (err) {
      deps.cluster.forget(id);
      throw err;
    }
    const returned = new Headers(answer.headers);
    for (const name of NOT_RETURNED) returned.delete(name);
    return new Response(answer.body, { status: answer.status, headers: returned });
  };
}
