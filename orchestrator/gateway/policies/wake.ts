import pTimeout from "p-timeout";
import { AppError, UnavailableError } from "../../../lib/errors";
import type { Logger } from "../../logger";
import type { GatewayRouter, Upstream } from "../types";
import { instanceOf, type Policy, type PolicyOutcome } from "./context";

/** Seconds a client should wait before retrying a request that timed out while its instance woke up. */
const WAKE_RETRY_AFTER_SECONDS = 5;
/** Seconds before retrying after a failed start (the supervisor restarts with backoff). */
const START_FAILED_RETRY_AFTER_SECONDS = 10;

const TIMED_OUT = Symbol("timed out");

/**
 * Counts the request as activity and finds the live instance's address, starting it if needed:
 * the request is held up to `wakeTimeoutMs` (then 503 with Retry-After); a failed start is a 503.
 * The body is not read until the forwarder streams it upstream, so waiting loses nothing.
 */
export function wakePolicy(deps: { router: GatewayRouter; wakeTimeoutMs: number; log: Logger }): Policy {
  return {
    name: "wake",
    run(ctx): PolicyOutcome | Promise<PolicyOutcome> {
      const { id, subdomain } = instanceOf(ctx);
      deps.router.activity(id, "request");
      // And at its end: an upload that began before a snapshot check and landed after it is seen by the next one.
      ctx.watch.onEnd(() => deps.router.activity(id, "request"));
      // A live instance (nearly every request) is passed on synchronously: no promise, no timer.
      const live = deps.router.running?.(id);
      if (live !== undefined) {
        ctx.upstream = live;
        return "next";
      }
      return wake(deps, id, subdomain).then((upstream) => {
        ctx.upstream = upstream;
        return "next" as const;
      });
    },
  };
}

async function wake(deps: { router: GatewayRouter; wakeTimeoutMs: number; log: Logger }, id: string, subdomain: string): Promise<Upstream> {
  let result: Upstream | typeof TIMED_OUT;
  try {
    // p-timeout keeps a handler on the start promise, so a late rejection is never unhandled.
    result = await pTimeout<Upstream | typeof TIMED_OUT>(deps.router.ensureRunning(id), { milliseconds: deps.wakeTimeoutMs, fallback: () => TIMED_OUT });
  } catch (err) {
    if (err instanceof AppError && err.status !== 503) throw err;
    // The lifecycle already logged and recorded why (the instance's status and events, for its
    // owner); this answer goes to whoever sent the request: never PocketBase's last log lines,
    // paths or storage errors.
    if (!(err instanceof AppError)) deps.log.error({ err, instanceId: id }, "instance failed to start");
    throw new UnavailableError(`Instance "${subdomain}" could not be started.`, START_FAILED_RETRY_AFTER_SECONDS, err);
  }
  if (result === TIMED_OUT) {
    deps.log.warn({ instanceId: id, wakeTimeoutMs: deps.wakeTimeoutMs }, "instance did not start within the wake timeout");
    throw new UnavailableError(`Instance "${subdomain}" is starting. Try again shortly.`, WAKE_RETRY_AFTER_SECONDS);
  }
  return result;
}
