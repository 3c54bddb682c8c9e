import type { TenantLimits } from "../sandbox/cgroups";
import type { Sandbox } from "../sandbox/create-sandbox";
import type { TenantIdentity } from "./tenant-identity";
import type { Logger } from "../logger";
import type { TenantPaths } from "../tenant/paths";

type SupervisorConfig = {
  pocketbaseBinary: string;
  /** Tenant ports are picked from base .. base+range-1 (without a sandbox; sandboxed tenants each have their own network). */
  ports: { base: number; range: number };
  /** GOMEMLIMIT value for every tenant process, e.g. "48MiB". */
  tenantMemoryLimit: string;
  /** GOMAXPROCS for each tenant; 0 or unset leaves Go's default (all cores). */
  tenantMaxProcs?: number;
  /** Readiness bound for a start or restart. */
  startTimeoutMs: number;
  /** SIGTERM → SIGKILL after this. */
  stopTimeoutMs: number;
};

export type SupervisorEvent =
  | { type: "output"; line: string }
  | { type: "crashed"; exitCode: number | null; signal: string | null; outOfMemory: boolean; lastLines: string[] }
  | { type: "restarted"; port: number; attempt: number }
  | { type: "failed"; reason: string; lastLines: string[] };

export type TenantProcess = {
  instanceId: string;
  /** Address PocketBase listens on (loopback, or the tenant's own address in its network namespace). */
  host: string;
  /** Current port (changes after a restart only if the old one was taken). */
  port: number;
  /** http://<host>:<port> */
  url: string;
  pid: number | undefined;
  /** Graceful stop: SIGTERM, SIGKILL after stopTimeoutMs; stops supervision (no restart). Idempotent. */
  stop(): Promise<void>;
  /** Resolves when supervision ends for good: after stop(), or after a crash loop gave up ("failed"). */
  exited: Promise<{ reason: "stopped" | "failed" }>;
  /** Last N lines of the tenant's stdout/stderr. */
  logTail(lines: number): string[];
};

export interface Supervisor {
  /** Creates or updates the platform-owned superuser non-interactively, before serve. */
  ensureSuperuser(instanceId: string, paths: TenantPaths, email: string, password: string, identity?: TenantIdentity, limits?: TenantLimits): Promise<void>;
  /**
   * Spawns `pocketbase serve` for the tenant and resolves once GET /api/health answers 200. With an
   * identity (required with a sandbox), the tenant's folders are given to it and the process runs
   * as that user, inside its sandbox.
   */
  launch(
    instanceId: string,
    paths: TenantPaths,
    onEvent: (e: SupervisorEvent) => void,
    identity?: TenantIdentity,
    /** The sandbox's limits for this tenant (the platform defaults when absent). */
    limits?: TenantLimits,
    /** The tenant's own environment variables (its secrets), under the platform's; see tenantEnv. */
    secrets?: Record<string, string>,
  ): Promise<TenantProcess>;
  /** The tenant's supervised process, from the moment it answered its health check until supervision ended. */
  get(instanceId: string): TenantProcess | undefined;
  /** Every tenant with a supervised process here. */
  liveIds(): string[];
  /** Frees what the tenant holds on this host besides its files (sandbox network and cgroup): it was deleted. */
  release(instanceId: string): Promise<void>;
  /** Stops PocketBase processes left by a previous orchestrator; returns the instance ids affected. */
  sweepOrphans(tenantsDir: string): Promise<string[]>;
  /** Stops every live process (shutdown). */
  stopAll(): Promise<void>;
}

/** When repeated crashes count as a crash loop (supervision gives up). */
export type CrashLoopPolicy = { maxCrashes: number; windowMs: number };

/** Restart delays: initialMs doubling per crash in the window, capped at maxMs. */
export type BackoffPolicy = { initialMs: number; maxMs: number };

/** Everything createSupervisor needs; the optional parts exist so tests can run fast. */
export type SupervisorDeps = {
  config: SupervisorConfig;
  log: Logger;
  /** Run every tenant in its sandbox (then launch and ensureSuperuser need an identity). */
  sandbox?: Sandbox | undefined;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
  crashLoop?: CrashLoopPolicy;
  backoff?: BackoffPolicy;
};
