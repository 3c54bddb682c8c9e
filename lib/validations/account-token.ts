import { z } from "zod";
import { credentialNameSchema } from "./api-key";

/** Input of "create account token", shared by the dashboard form and POST /api/account/tokens. */
export const createAccountTokenSchema = z.object({ name: credentialNameSchema });

export type CreateAccountTokenInput = z.infer<typeof createAccountTokenSchema>;
