import { Readable } from "node:stream";
import { Hono } from "hono";
import { z } from "zod";
import { instanceJson } from "../../lib/instance-json";
import { cloneSchema, restoreSchema } from "../../lib/validations/backups";
import type { Backups } from "../backups/backups";
import { parseJson } from "./parse";

const cloneBodySchema = cloneSchema.extend({ quota: z.number().int().min(0).optional() });

/** Backup routes of the internal API, under /v1/instances: overview, restore in place, clone. */
export function backupsApi(deps: { backups: Backups }) {
  const { backups } = deps;
  return (
    new Hono()
      // Owner and name/subdomain in the query, the backup zip as the body (streamed, never buffered here).
      .post("/import", async (c) => {
        const body = c.req.raw.body ? Readable.fromWeb(c.req.raw.body as import("node:stream/web").ReadableStream<Uint8Array>) : Readable.from([]);
        const length = c.req.header("content-length");
        const quota = c.req.query("quota");
        const instance = await backups.importArchive(
          c.req.query("ownerId") ?? "",
          { name: c.req.query("name"), subdomain: c.req.query("subdomain") },
          { body, contentType: c.req.header("content-type"), contentLength: length === undefined ? undefined : Number(length) },
          quota === undefined ? undefined : Number(quota),
        );
        return c.json({ instance: instanceJson(instance) }, 201);
      })
      .get("/:id/backups", async (c) => c.json(await backups.overview(c.req.param("id"))))
      .get("/:id/archive", async (c) => {
        const { filename, stream } = await backups.download(c.req.param("id"));
        c.header("content-type", "application/gzip");
        c.header("content-disposition", `attachment; filename="${filename}"`);
        return c.body(Readable.toWeb(stream) as ReadableStream<Uint8Array>);
      })
      .post("/:id/restore", async (c) => {
        const { at } = await parseJson(c, restoreSchema);
        const { instance, safetyGeneration } = await backups.restore(c.req.param("id"), new Date(at));
        return c.json({ instance: instanceJson(instance), safetyGeneration });
      })
      .post("/:id/clone", async (c) => {
        const { at, quota, ...input } = await parseJson(c, cloneBodySchema);
        const instance = await backups.clone(c.req.param("id"), { ...input, at: new Date(at) }, quota);
        return c.json({ instance: instanceJson(instance) }, 201);
      })
  );
}
