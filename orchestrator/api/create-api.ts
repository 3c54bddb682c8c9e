import { serve, type ServerType } from "@hono/node-server";
import { Hono } from "hono";
import { bearerAuth } from "hono/bearer-auth";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { NotFoundError, toErrorResponse } from "../../lib/errors";
import type { Logger } from "../logger";
import { eventsApi } from "./events-api";

/**
 * The internal HTTP API the dashboard calls (bearer token, loopback by default). Route modules are
 * mounted by the caller; errors become `{error: {code, message}}` with the status of their type.
 */
export function createApi(deps: { token: string; log: Logger; routes: Record<string, Hono> }) {
  const app = new Hono();
  app.get("/healthz", (c) => c.json({ ok: true }));
  app.use("/v1/*", bearerAuth({ token: deps.token }));
  for (const [path, routes] of Object.entries(deps.routes)) app.route(path, routes);
  app.notFound(() => {
    throw new NotFoundError("No such endpoint.");
  });
  app.onError((err, c) => {
    if ("getResponse" in err && typeof err.getResponse === "function") return err.getResponse() as Response;
    const { status, body, headers } = toErrorResponse(err);
    if (status >= 500) deps.log.error({ err, path: c.req.path }, "internal API error");
    return c.json(body, status as ContentfulStatusCode, headers);
  });
  return app;
}

/** Serves the API; resolves once listening. */
export function listenApi(app: Hono, host: string, port: number): Promise<ServerType> {
  return new Promise((resolve) => {
    const server = serve({ fetch: app.fetch, hostname: host, port }, () => resolve(server));
  });
}

export { eventsApi };
