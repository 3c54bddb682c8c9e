import type { Logger } from "../logger";
import { httpOrigin } from "../tools/http-origin";
import type { TenantPaths } from "../tenant/paths";
import { backoffDelay } from "./backoff";
import { isCrashLoop, recordCrash } from "./crash-window";
import { describeExit, meaningfulLines, TenantStartError } from "./errors";
import { type Readiness, waitForReady } from "./health";
import { removePidFile, writePidFile } from "./pid-file";
import type { PortAllocator } from "./port-allocator";
import type { ChildExit, TenantChild } from "./spawn";
import type { TenantLog } from "./tenant-log";
import type { BackoffPolicy, CrashLoopPolicy, SupervisorEvent, TenantProcess } from "./types";

/** Everything one tenant's supervision needs, bound by the supervisor. */
export type TenantContext = {
  instanceId: string;
  paths: TenantPaths;
  startTimeoutMs: number;
  stopTimeoutMs: number;
  log: Logger;
  tenantLog: TenantLog;
  ports: PortAllocator;
  /** Where the platform reaches PocketBase (loopback, or the tenant's own address). */
  host: string;
  spawn: (port: number) => TenantChild;
  /** Kernel OOM kills in the tenant's cgroup so far (0 without one). */
  oomKills: () => Promise<number>;
  emit: (event: SupervisorEvent) => void;
  sleep: (ms: number) => Promise<void>;
  now: () => number;
  crashLoop: CrashLoopPolicy;
  backoff: BackoffPolicy;
};

const LAST_LINES = 50;
/** Lines of output read to find the last LAST_LINES that are not a Go stack trace. */
const SCANNED_LINES = 1000;
const urlOf = (ctx: TenantContext, port: number) => httpOrigin({ host: ctx.host, port });

/** Starts the tenant's PocketBase, waits until healthy, then supervises it until stop() or a crash loop. */
export async function launchSupervised(ctx: TenantContext): Promise<TenantProcess> {
  const port = await ctx.ports.acquire();
  // The OOM count so far (a later higher count means PocketBase ran out of memory), read while it starts.
  const oomKills = ctx.oomKills();
  oomKills.catch(() => undefined); // awaited below once healthy; a failed start never reads it
  let child: TenantChild | undefined;
  try {
    child = ctx.spawn(port); // synchronous: tracked before anything else can happen
    const ready = await recordAndWait(ctx, child, port);
    if (ready.kind === "healthy") {
      ctx.log.info({ port, pid: child.pid }, "tenant started");
      return supervise(ctx, child, port, await oomKills);
    }
    const summary =
      ready.kind === "timeout"
        ? `PocketBase did not become healthy within ${ctx.startTimeoutMs} ms`
        : `PocketBase exited before becoming healthy (${describeExit(ready.exit)})`;
    ctx.tenantLog.note(summary);
    throw new TenantStartError(summary, meaningfulLines(ctx.tenantLog.tail(SCANNED_LINES), LAST_LINES));
  } catch (err) {
    await child?.stop(ctx.stopTimeoutMs);
    await removePidFile(ctx.paths.pidFile);
    ctx.ports.release(port);
    throw err;
  }
}

/** Records the pid (for a later orchestrator's orphan check) while PocketBase starts, and waits until it is healthy. */
async function recordAndWait(ctx: TenantContext, child: TenantChild, port: number): Promise<Readiness> {
  const recorded = child.spawned.then(async (pid) => {
    ctx.tenantLog.note(`starting PocketBase on port ${port} (pid ${pid ?? "none"})`);
    if (pid !== undefined) await writePidFile(ctx.paths.pidFile, pid);
  });
  const [ready] = await Promise.all([waitForReady(urlOf(ctx, port), child.exit, ctx.startTimeoutMs, child.announced), recorded]);
  return ready;
}

/** Mutable state of one tenant's supervision. */
type Supervision = {
  ctx: TenantContext;
  current: TenantChild;
  port: number;
  crashes: number[];
  /** OOM kills seen so far, to tell an out-of-memory kill from any other crash. */
  oomKills: number;
  stopping: boolean;
  /** Resolves when stop() is called, to cut a backoff pause short. */
  stopRequested: Promise<void>;
};

function supervise(ctx: TenantContext, first: TenantChild, firstPort: number, oomKills: number): TenantProcess {
  let requestStop: () => void = () => {};
  const stopRequested = new Promise<void>((resolve) => (requestStop = resolve));
  const s: Supervision = { ctx, current: first, port: firstPort, crashes: [], oomKills, stopping: false, stopRequested };
  const finished = run(s)
    .catch(async (err: unknown) => {
      fail(s, `supervision error: ${err instanceof Error ? err.message : String(err)}`);
      await s.current.stop(ctx.stopTimeoutMs);
      return "failed" as const;
    })
    .then((reason) => finish(s, reason));
  let stopping: Promise<void> | undefined;
  return {
    instanceId: ctx.instanceId,
    host: ctx.host,
    get port() {
      return s.port;
    },
    get url() {
      return urlOf(ctx, s.port);
    },
    get pid() {
      return s.current.pid;
    },
    exited: finished,
    logTail: (lines) => ctx.tenantLog.tail(lines),
    stop() {
      stopping ??= (async () => {
        s.stopping = true;
        requestStop();
        await s.current.stop(ctx.stopTimeoutMs);
        await finished;
      })();
      return stopping;
    },
  };
}

/** Watches the current child; on each unexpected exit restarts it, until stopped or given up. */
async function run(s: Supervision): Promise<"stopped" | "failed"> {
  for (;;) {
    const exit = await s.current.exit;
    if (s.stopping) return "stopped";
    if (!(await onCrash(s, exit))) return "failed";
    const outcome = await restart(s);
    if (outcome !== "running") return outcome;
  }
}

/** Restarts with backoff until healthy ("running"), stopped, or given up ("failed"). */
async function restart(s: Supervision): Promise<"running" | "stopped" | "failed"> {
  const { ctx } = s;
  for (let attempt = 1; ; attempt++) {
    await Promise.race([ctx.sleep(backoffDelay(s.crashes.length, ctx.backoff)), s.stopRequested]);
    if (s.stopping) return "stopped";
    s.port = await ctx.ports.acquire(s.port);
    if (s.stopping) return "stopped";
    const child = ctx.spawn(s.port);
    s.current = child; // tracked before any await, so stop() always reaches the newest child
    const ready = await recordAndWait(ctx, child, s.port);
    if (s.stopping) return "stopped";
    if (ready.kind === "healthy") {
      ctx.log.info({ port: s.port, pid: child.pid, attempt }, "tenant restarted");
      ctx.emit({ type: "restarted", port: s.port, attempt });
      return "running";
    }
    if (ready.kind === "timeout") {
      await child.stop(ctx.stopTimeoutMs);
      fail(s, `restart did not become healthy within ${ctx.startTimeoutMs} ms`);
      return "failed";
    }
    if (!(await onCrash(s, ready.exit))) return "failed";
  }
}

/** Records a crash; false when it completes a crash loop (supervision gives up). */
async function onCrash(s: Supervision, exit: ChildExit): Promise<boolean> {
  const { ctx } = s;
  s.crashes = recordCrash(s.crashes, ctx.now(), ctx.crashLoop);
  const oomKills = await ctx.oomKills().catch((err: unknown) => {
    ctx.log.warn({ err }, "cannot read the tenant's OOM kill count");
    return s.oomKills;
  });
  const outOfMemory = oomKills > s.oomKills;
  s.oomKills = oomKills;
  const lastLines = ctx.tenantLog.tail(LAST_LINES);
  ctx.tenantLog.note(outOfMemory ? "PocketBase was killed: out of memory" : `PocketBase crashed (${describeExit(exit)})`);
  ctx.log.warn({ exitCode: exit.exitCode, signal: exit.signal, outOfMemory, recentCrashes: s.crashes.length }, "tenant crashed");
  ctx.emit({ type: "crashed", exitCode: exit.exitCode, signal: exit.signal, outOfMemory, lastLines });
  if (!isCrashLoop(s.crashes, ctx.crashLoop)) return true;
  fail(s, `crashed ${s.crashes.length} times within ${ctx.crashLoop.windowMs / 1000} s`);
  return false;
}

function fail(s: Supervision, reason: string): void {
  s.ctx.tenantLog.note(`supervision gave up: ${reason}`);
  s.ctx.log.error({ reason }, "tenant failed");
  s.ctx.emit({ type: "failed", reason, lastLines: s.ctx.tenantLog.tail(LAST_LINES) });
}

async function finish(s: Supervision, reason: "stopped" | "failed"): Promise<{ reason: "stopped" | "failed" }> {
  await removePidFile(s.ctx.paths.pidFile);
  s.ctx.ports.release(s.port);
  s.ctx.tenantLog.note(reason === "stopped" ? "PocketBase stopped" : "supervision ended");
  s.ctx.tenantLog.close();
  s.ctx.log.info({ reason }, "tenant supervision ended");
  return { reason };
}
