import { z } from "zod";

/** The name of an API key or account token: what it is for ("CI", "laptop"). */
export const credentialNameSchema = z.string({ error: "Name is required." }).trim().min(1, "Name is required.").max(64, "Name must be at most 64 characters.");

/** Input of "create API key", shared by the dashboard form and POST /api/instances/:id/keys. */
export const createApiKeySchema = z.object({ name: credentialNameSchema });

export type CreateApiKeyInput = z.infer<typeof createApiKeySchema>;
