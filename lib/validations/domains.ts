import { z } from "zod";

/** POST /api/instances/:id/domains: the name is checked further (format, platform names) by the orchestrator. */
export const addDomainSchema = z.object({
  hostname: z.string().trim().min(1, "Enter a domain such as api.example.com.").max(253, "This domain is too long."),
});
