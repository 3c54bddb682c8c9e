import { Hono } from "hono";
import { z } from "zod";
import { instanceJson } from "../../lib/instance-json";
import { cloneSchema, restoreSchema } from "../../lib/validations/backups";
import type { Backups } from "../instances/backups";
import { parseJson } from "./parse";

const cloneBodySchema = cloneSchema.extend({ quota: z.number().int().min(0).optional() });

/** Backup routes of the internal API, under /v1/instances: overview, restore in place, clone. */
export function backupsApi(deps: { backups: Backups }) {
  const { backups } = deps;
  return new Hono()
    .get("/:id/backups", async (c) => c.json(await backups.overview(c.req.param("id"))))
    .post("/:id/restore", async (c) => {
      const { at } = await parseJson(c, restoreSchema);
      const { instance, safetyGeneration } = await backups.restore(c.req.param("id"), new Date(at));
      return c.json({ instance: instanceJson(instance), safetyGeneration });
    })
    .post("/:id/clone", async (c) => {
      const { at, quota, ...input } = await parseJson(c, cloneBodySchema);
      const instance = await backups.clone(c.req.param("id"), { ...input, at: new Date(at) }, quota);
      return c.json({ instance: instanceJson(instance) }, 201);
    });
}
