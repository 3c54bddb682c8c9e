import { getDb } from "@/lib/data/context";
import { checkSubdomain } from "@/lib/data/instances";
import { subdomainSchema } from "@/lib/validations/instance";
import { requireSessionUser } from "../../_lib/access";
import { json, route, validate } from "../../_lib/handler";

/**
 * GET /api/subdomains/:sub: as-you-type check; 422 for an invalid or reserved name, else `{available}`.
 * Next has already decoded `sub` once; decoding again would turn `%25E0` into a URIError (500).
 */
export const GET = route<{ sub: string }>(async (req, { sub }) => {
  await requireSessionUser(req);
  const subdomain = validate(subdomainSchema, sub);
  return json(await checkSubdomain(await getDb(), subdomain));
});
