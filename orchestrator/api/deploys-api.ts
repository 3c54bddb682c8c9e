import { Readable } from "node:stream";
import { Hono } from "hono";
import { stream } from "hono/streaming";
import { deployJson } from "../../lib/instance-json";
import { listTemplates } from "../deploys/templates";
import type { DeployService } from "../deploys/deploy-service";
import { NotFoundError } from "../../lib/errors";
import { isDeployId } from "../deploys/deploy-store";

/** Content types of the file view; anything else is shown as text. */
const VIEW_TYPES: Record<string, string> = {
  html: "text/html; charset=utf-8",
  css: "text/css; charset=utf-8",
  svg: "image/svg+xml",
  png: "image/png",
  jpg: "image/jpeg",
  jpeg: "image/jpeg",
  gif: "image/gif",
  webp: "image/webp",
  ico: "image/x-icon",
  json: "application/json",
};

const deployIdOf = (id: string) => {
  if (!isDeployId(id)) throw new NotFoundError("Deploy not found.");
  return id;
};

/**
 * Deploy routes of the internal API, under /v1/instances. The dashboard has already checked the
 * caller; it names the author in `X-Deploy-Author` (URI-encoded) and `X-Deploy-Author-Id`.
 */
export function deploysApi(deps: { deploys: DeployService }) {
  const { deploys } = deps;
  return new Hono()
    .post("/:id/deploys", async (c) => {
      const body = c.req.raw.body ? Readable.fromWeb(c.req.raw.body as import("node:stream/web").ReadableStream<Uint8Array>) : Readable.from([]);
      const length = c.req.header("content-length");
      const deploy = await deploys.create(
        c.req.param("id"),
        { body, contentType: c.req.header("content-type"), contentLength: length === undefined ? undefined : Number(length) },
        { label: decodeURIComponent(c.req.header("x-deploy-author") ?? "unknown"), userId: c.req.header("x-deploy-author-id") ?? null },
      );
      return c.json({ deploy: deployJson(deploy) }, 202);
    })
    .get("/:id/deploys", async (c) => c.json({ deploys: (await deploys.list(c.req.param("id"))).map(deployJson) }))
    .get("/:id/deploys/:deployId", async (c) => {
      const { deploy, files } = await deploys.get(c.req.param("id"), deployIdOf(c.req.param("deployId")));
      return c.json({ deploy: deployJson(deploy), files: files.map(({ path, size, sha256 }) => ({ path, size, sha256 })) });
    })
    .get("/:id/deploys/:deployId/files/*", async (c) => {
      const prefix = `/files/`;
      const filePath = decodeURIComponent(c.req.path.slice(c.req.path.indexOf(prefix) + prefix.length));
      const { file, body } = await deploys.file(c.req.param("id"), deployIdOf(c.req.param("deployId")), filePath);
      const extension = file.path.split(".").pop()?.toLowerCase() ?? "";
      c.header("content-type", VIEW_TYPES[extension] ?? "text/plain; charset=utf-8");
      c.header("content-length", String(file.size));
      c.header("x-content-type-options", "nosniff");
      c.header("content-security-policy", "sandbox; default-src 'none'");
      c.header("cache-control", "no-store");
      return stream(c, async (out) => {
        for await (const chunk of body) await out.write(chunk as Uint8Array);
      });
    })
    .post("/:id/deploys/:deployId/rollback", async (c) => {
      const deploy = await deploys.rollback(c.req.param("id"), deployIdOf(c.req.param("deployId")));
      return c.json({ deploy: deployJson(deploy) }, 202);
    });
}

/** `GET /v1/templates`: what "New instance" offers. */
export function templatesApi() {
  return new Hono().get("/", (c) => c.json({ templates: listTemplates() }));
}
