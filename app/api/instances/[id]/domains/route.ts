import { getOrchestrator } from "@/lib/data/context";
import { addDomainSchema } from "@/lib/validations/domains";
import { accessInstance } from "../../../_lib/access";
import { json, readJson, route } from "../../../_lib/handler";

type Params = { id: string };

/** GET /api/instances/:id/domains: the instance's custom domains, their status and the DNS records each needs. */
export const GET = route<Params>(async (req, { id }) => {
  await accessInstance(req, id, false);
  return json({ domains: await getOrchestrator().domains(id) });
});

/** POST /api/instances/:id/domains {hostname}: adds a custom domain, checked at once (pending until its records are found). */
export const POST = route<Params>(async (req, { id }) => {
  await accessInstance(req, id, false);
  const { hostname } = await readJson(req, addDomainSchema);
  return json({ domain: await getOrchestrator().addDomain(id, hostname) }, 201);
});
