import { z } from "zod";
import { createInstanceSchema } from "./instance";

/** A moment to restore to: an ISO 8601 date-time with a zone (e.g. 2026-11-26T21:03:00Z). */
const atSchema = z.iso.datetime({ offset: true, error: "Give the moment as an ISO 8601 date-time, e.g. 2026-11-26T21:03:00Z." });

/** Restore in place: the instance goes back to how it was at `at` (a safety snapshot keeps the state before). */
export const restoreSchema = z.object({ at: atSchema });

/** Clone: a new instance (own name and subdomain) with the state of this one at `at`. */
export const cloneSchema = createInstanceSchema.pick({ name: true, subdomain: true }).extend({ at: atSchema });

/** Import: a new instance (name, subdomain) created from an existing PocketBase's backup zip. */
export const importSchema = createInstanceSchema.pick({ name: true, subdomain: true });
