import { z } from "zod";

const MIB = 1024 * 1024;

/**
 * Per-instance overrides of the platform's tenant limits, set by an operator through the internal
 * API (never by the instance's owner). Every field is optional: what is missing uses the default.
 */
export const resourceLimitsSchema = z
  .object({
    memoryBytes: z
      .number()
      .int()
      .min(64 * MIB)
      .max(64 * 1024 * MIB),
    pids: z.number().int().min(16).max(100_000),
    cpuWeight: z.number().int().min(1).max(10_000),
    /** Cores of CPU time (0.5 = half a core); 0 = no cap. */
    cpuCores: z.number().min(0).max(1024),
    diskQuotaBytes: z
      .number()
      .int()
      .min(16 * MIB)
      .max(16 * 1024 * 1024 * MIB),
  })
  .partial()
  .strict();

export type ResourceLimits = z.infer<typeof resourceLimitsSchema>;
