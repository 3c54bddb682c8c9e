import type { Logger } from "../logger";
import { AppError, UnavailableError } from "../../lib/errors";
import { unknownInstanceError } from "./responses";
import type { GatewayRouter } from "./types";

/** Seconds a client should wait before retrying a request that timed out while its instance woke up. */
const WAKE_RETRY_AFTER_SECONDS = 5;
/** Seconds before retrying after a failed start (the supervisor restarts with backoff). */
const START_FAILED_RETRY_AFTER_SECONDS = 10;

const TIMED_OUT = Symbol("timed out");

export type RouteContext = { router: GatewayRouter; wakeTimeoutMs: number; log: Logger };

/**
 * Resolves a subdomain to its live instance, waking it if needed (bounded by `wakeTimeoutMs`).
 * Throws AppErrors only: 404 unknown subdomain, 503 (with Retry-After) on wake timeout or failed start;
 * an AppError thrown by the router keeps its own status and public message.
 */
export async function routeToInstance(ctx: RouteContext, subdomain: string): Promise<{ instanceId: string; port: number }> {
  let instanceId: string | null;
  try {
    instanceId = await ctx.router.resolve(subdomain);
  } catch (err) {
    if (err instanceof AppError) throw err;
    ctx.log.error({ err, subdomain }, "resolving subdomain failed");
    throw new UnavailableError("Routing is temporarily unavailable. Try again shortly.", WAKE_RETRY_AFTER_SECONDS, err);
  }
  if (instanceId === null) throw unknownInstanceError(subdomain);
  ctx.router.activity(instanceId, "request");
  const port = await wakeInstance(ctx, instanceId, subdomain);
  return { instanceId, port };
}

async function wakeInstance(ctx: RouteContext, instanceId: string, subdomain: string): Promise<number> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<typeof TIMED_OUT>((resolve) => {
    timer = setTimeout(resolve, ctx.wakeTimeoutMs, TIMED_OUT);
  });
  try {
    // Promise.race keeps a handler on the start promise, so a late rejection is never unhandled.
    const result = await Promise.race([ctx.router.ensureRunning(instanceId), timeout]);
    if (result === TIMED_OUT) {
      ctx.log.warn({ instanceId, wakeTimeoutMs: ctx.wakeTimeoutMs }, "instance did not start within the wake timeout");
      throw new UnavailableError(`Instance "${subdomain}" is starting. Try again shortly.`, WAKE_RETRY_AFTER_SECONDS);
    }
    return result.port;
  } catch (err) {
    if (err instanceof AppError) throw err;
    ctx.log.error({ err, instanceId }, "instance failed to start");
    throw new UnavailableError(`Instance "${subdomain}" could not be started.`, START_FAILED_RETRY_AFTER_SECONDS, err);
  } finally {
    clearTimeout(timer);
  }
}
