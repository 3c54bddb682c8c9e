import pino, { type Logger } from "pino";
import { withoutTenantOutput } from "./supervisor/errors";

export type { Logger };

type Serialized = { [key: string]: unknown; message?: unknown; stack?: unknown; cause?: unknown };

/** Pino's error serializer, with tenant output cut from every message and stack (causes included). */
function serializeError(err: unknown): unknown {
  if (typeof err === "string") return withoutTenantOutput(err);
  if (!(err instanceof Error)) return err;
  const clean = ({ lastLines: _tenantLines, ...e }: Serialized): Serialized => ({
    ...e,
    ...(typeof e.message === "string" ? { message: withoutTenantOutput(e.message) } : {}),
    ...(typeof e.stack === "string" ? { stack: withoutTenantOutput(e.stack) } : {}),
    ...(e.cause && typeof e.cause === "object" ? { cause: clean(e.cause as Serialized) } : {}),
  });
  return clean(pino.stdSerializers.err(err) as Serialized);
}

/** The platform's structured logger; services take a child of it (`log.child({ instanceId })`). */
export function createLogger(level: string): Logger {
  return pino({ level, base: { service: "orchestrator" }, serializers: { err: serializeError } });
}
