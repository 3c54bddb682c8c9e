import { z } from "zod";

/** Subdomains the platform keeps for itself or that invite phishing. */
const reservedSubdomains = new Set([
  "admin",
  "api",
  "app",
  "auth",
  "billing",
  "blog",
  "cdn",
  "console",
  "dashboard",
  "dev",
  "docs",
  "gateway",
  "help",
  "internal",
  "login",
  "mail",
  "pocketbase",
  "picobase",
  "root",
  "smtp",
  "static",
  "status",
  "support",
  "system",
  "test",
  "www",
]);

/** A DNS label (RFC 1123), lower case, 3 to 63 characters, not reserved. */
export const subdomainSchema = z
  .string({ error: "Subdomain is required." })
  .trim()
  .toLowerCase()
  .min(3, "Subdomain must be at least 3 characters.")
  .max(63, "Subdomain must be at most 63 characters.")
  .regex(/^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/, "Use lower-case letters, digits and hyphens; start and end with a letter or digit.")
  .refine((s) => !s.includes("--"), "Subdomain cannot contain consecutive hyphens.")
  .refine((s) => !reservedSubdomains.has(s), "This subdomain is reserved.");

const instanceNameSchema = z.string({ error: "Name is required." }).trim().min(1, "Name is required.").max(64, "Name must be at most 64 characters.");

/** Idle minutes before an automatic stop: 0 disables, at most a week. */
export const idleTimeoutMinutesSchema = z
  .number({ error: "Idle timeout must be a number of minutes." })
  .int("Idle timeout must be a whole number of minutes.")
  .min(0, "Idle timeout cannot be negative.")
  .max(10080, "Idle timeout can be at most 10080 minutes (one week).");

/** Input of "create instance", shared by the dashboard form, the platform API and the internal API. */
export const createInstanceSchema = z.object({
  name: instanceNameSchema,
  subdomain: subdomainSchema,
  /** A template id (see templates/); its bundle becomes the instance's first deploy. Omitted or "blank": none. */
  template: z
    .string()
    .regex(/^[a-z0-9-]{1,40}$/, "Choose one of the offered templates.")
    .optional(),
});

export const updateInstanceSchema = z.object({
  name: instanceNameSchema.optional(),
  idleTimeoutMinutes: idleTimeoutMinutesSchema.nullable().optional(),
});

export type CreateInstanceInput = z.infer<typeof createInstanceSchema>;
export type UpdateInstanceInput = z.infer<typeof updateInstanceSchema>;
