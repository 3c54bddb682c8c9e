import pino, { type Logger } from "pino";

export type { Logger };

/** The platform's structured logger; services take a child of it (`log.child({ instanceId })`). */
export function createLogger(level: string): Logger {
  return pino({ level, base: { service: "orchestrator" } });
}
