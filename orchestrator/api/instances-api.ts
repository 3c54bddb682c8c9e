import { Hono } from "hono";
import { z } from "zod";
import { createInstanceSchema, updateInstanceSchema } from "../../lib/validations/instance";
import { resourceLimitsSchema } from "../../lib/validations/limits";
import { instanceUrl, type PublicUrlSettings } from "../../lib/instance-url";
import { ADMIN_SIGN_IN_PATH } from "../gateway/policies/admin-sign-in";
import type { AdminSso } from "../instances/admin-sso";
import type { InstanceController } from "../instances/controller";
import type { InstanceStore } from "../instances/instance-store";
import type { Lifecycle } from "../instances/lifecycle";
import { logFileTail } from "../tenant/log-file-tail";
import { tenantPaths } from "../tenant/paths";
import { parseJson } from "./parse";
import { UnprocessableError } from "../../lib/errors";
import type { DeployService } from "../deploys/deploy-service";
import { listTemplates } from "../deploys/templates";
import { instanceJson } from "../../lib/instance-json";

const createBodySchema = createInstanceSchema.extend({
  ownerId: z.string({ error: "ownerId is required." }).min(1, "ownerId is required."),
  /** The owner's instance limit (the web's INSTANCE_QUOTA), enforced in the same statement as the insert. */
  quota: z.number().int().min(0).optional(),
});
const linesSchema = z.coerce.number().int().min(1).max(2000).catch(200);
const wantsWait = (v: string | undefined) => v === "1" || v === "true";

/** Instance routes of the internal API: create, read, update, limits, start, stop, restart, delete, admin sign-in, logs. */
export function instancesApi(deps: {
  controller: InstanceController;
  store: InstanceStore;
  lifecycle: Lifecycle;
  tenantsDir: string;
  sso: AdminSso;
  publicUrl: PublicUrlSettings;
  deploys: Pick<DeployService, "fromTemplate">;
}) {
  const { controller, store, lifecycle } = deps;
  return (
    new Hono()
      .post("/", async (c) => {
        const { ownerId, quota, template, ...input } = await parseJson(c, createBodySchema);
        const templateId = template === "blank" ? undefined : template;
        if (templateId && !listTemplates().some((t) => t.id === templateId)) {
          throw new UnprocessableError(`There is no template "${templateId}".`, { fieldErrors: { template: ["Choose one of the offered templates."] } });
        }
        const created = await controller.create(ownerId, input, quota);
        if (!templateId) return c.json({ instance: instanceJson(created) }, 201);
        try {
          await deps.deploys.fromTemplate(created.id, templateId);
        } catch (err) {
          await controller.remove(created.id); // all or nothing: no instance without the template it was asked for
          throw err;
        }
        return c.json({ instance: instanceJson(await store.get(created.id)) }, 201);
      })
      .get("/:id", async (c) => c.json({ instance: instanceJson(await store.get(c.req.param("id"))) }))
      .patch("/:id", async (c) => {
        const input = await parseJson(c, updateInstanceSchema);
        return c.json({ instance: instanceJson(await controller.update(c.req.param("id"), input)) });
      })
      // Operator-only (the dashboard never forwards it): per-instance limits, applied at the next start.
      .put("/:id/limits", async (c) => {
        const limits = await parseJson(c, resourceLimitsSchema);
        const instance = await store.update(c.req.param("id"), { resourceLimits: Object.keys(limits).length ? limits : null });
        return c.json({ instance: instanceJson(instance) });
      })
      .post("/:id/start", async (c) => {
        const wait = wantsWait(c.req.query("wait"));
        const instance = await controller.start(c.req.param("id"), wait);
        return c.json({ instance: instanceJson(instance) }, wait ? 200 : 202);
      })
      .post("/:id/stop", async (c) => {
        const wait = wantsWait(c.req.query("wait"));
        const instance = await controller.stop(c.req.param("id"), wait);
        return c.json({ instance: instanceJson(instance) }, wait ? 200 : 202);
      })
      // A running instance is stopped and started again (its secrets changed); `restarted` says whether it was.
      .post("/:id/restart", async (c) => {
        const wait = wantsWait(c.req.query("wait"));
        const { instance, restarted } = await controller.restart(c.req.param("id"), wait);
        return c.json({ instance: instanceJson(instance), restarted }, wait || !restarted ? 200 : 202);
      })
      .delete("/:id", async (c) => {
        await controller.remove(c.req.param("id"));
        return c.body(null, 204);
      })
      .post("/:id/sso", async (c) => {
        const instance = await store.get(c.req.param("id"));
        const code = deps.sso.issue(instance.id);
        return c.json({ url: `${instanceUrl(instance.subdomain, deps.publicUrl)}${ADMIN_SIGN_IN_PATH}?code=${code}` });
      })
      .get("/:id/logs", async (c) => {
        const id = c.req.param("id");
        await store.get(id);
        const lines = linesSchema.parse(c.req.query("lines"));
        const fromProcess = lifecycle.logTail(id, lines);
        return c.json({ lines: fromProcess ?? (await logFileTail(tenantPaths(deps.tenantsDir, id).logFile, lines)) });
      })
  );
}
