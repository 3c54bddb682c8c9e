import type { Logger } from "../logger";
import type { TenantLimits } from "../sandbox/cgroups";
import type { TenantPaths } from "../tenant/paths";
import { defaultBackoff } from "./backoff";
import { defaultCrashLoop } from "./crash-window";
import { stopOrphan, sweepOrphans } from "./orphans";
import { createLauncher, type Launcher } from "./launcher/launcher";
import { createPortAllocator } from "./port-allocator";
import { findSetpriv, spawnTenant } from "./spawn";
import { phaseClock } from "../tools/phase-clock";
import { launchSupervised, type TenantContext } from "./supervised-process";
import { serveArgs, tenantEnv } from "./tenant-command";
import { createTenantLog } from "./tenant-log";
import { plainRunner, sandboxRunner, type TenantRunner } from "./tenant-runner";
import { assertExecutable, ensureTenantDirs, provisionSuperuser } from "./tenant-setup";
import { assignTenantFolders, type TenantIdentity } from "./tenant-identity";
import type { Supervisor, SupervisorDeps, SupervisorEvent, TenantProcess } from "./types";

export type { Supervisor, SupervisorDeps, SupervisorEvent, TenantProcess } from "./types";
export type { TenantIdentity } from "./tenant-identity";

/** Creates the supervisor: one real PocketBase child process per running tenant. */
export function createSupervisor(deps: SupervisorDeps): Supervisor {
  const { config, log, sandbox } = deps;
  const ports = createPortAllocator(config.ports);
  const launcher = createLauncher(log);
  const live = new Map<string, TenantProcess>();
  const starting = new Map<string, Promise<TenantProcess>>();
  let closing = false;
  let setprivLookup: Promise<string | undefined> | undefined;

  const setpriv = () =>
    (setprivLookup ??= findSetpriv().then((found) => {
      if (!found) log.warn("setpriv --pdeathsig unavailable: tenants outlive a killed orchestrator until sweepOrphans");
      return found;
    }));

  /** Folders ready and owned by the tenant, and the runner that starts its processes. */
  const prepare = async (
    instanceId: string,
    paths: TenantPaths,
    identity: TenantIdentity | undefined,
    limits: TenantLimits | undefined,
  ): Promise<TenantRunner> => {
    await ensureTenantDirs(paths);
    if (identity) await assignTenantFolders(paths, identity);
    await assertExecutable(config.pocketbaseBinary);
    if (!sandbox) return plainRunner(config.pocketbaseBinary, paths, ports, await setpriv());
    if (!identity) throw new Error("a sandboxed tenant needs its own uid");
    return sandboxRunner(await sandbox.prepare(instanceId, paths, identity, limits));
  };

  const launchOne = async (
    instanceId: string,
    paths: TenantPaths,
    onEvent: (e: SupervisorEvent) => void,
    identity?: TenantIdentity,
    limits?: TenantLimits,
    secrets?: Record<string, string>,
  ) => {
    const clock = phaseClock();
    const runner = await prepare(instanceId, paths, identity, limits);
    clock.mark("sandbox");
    // Never run two PocketBase processes on one data dir: a survivor of a previous orchestrator goes first.
    await stopOrphan({ binary: config.pocketbaseBinary, stopTimeoutMs: config.stopTimeoutMs, log }, instanceId, paths);
    clock.mark("orphanCheck");
    const ctx = tenantContext(deps, { instanceId, paths, onEvent, runner, launcher, secrets: secrets ?? {} });
    try {
      const proc = await launchSupervised(ctx);
      clock.mark("spawnToHealthy");
      log.debug({ instanceId, phasesMs: clock.phases }, "tenant launch phases");
      return proc;
    } catch (err) {
      ctx.tenantLog.close();
      ctx.log.warn({ err }, "tenant failed to start");
      throw err;
    }
  };

  return {
    get: (instanceId) => live.get(instanceId),
    liveIds: () => [...live.keys()],

    async ensureSuperuser(instanceId, paths, email, password, identity, limits) {
      const runner = await prepare(instanceId, paths, identity, limits);
      await provisionSuperuser({ memoryLimit: config.tenantMemoryLimit, timeoutMs: config.startTimeoutMs }, runner, paths, email, password);
    },

    async launch(instanceId, paths, onEvent, identity, limits, secrets) {
      if (closing) throw new Error("supervisor is shutting down");
      if (live.has(instanceId) || starting.has(instanceId)) throw new Error(`instance ${instanceId} is already supervised`);
      const launching = launchOne(instanceId, paths, onEvent, identity, limits, secrets);
      starting.set(instanceId, launching);
      try {
        const handle = await launching;
        live.set(instanceId, handle);
        void handle.exited.then(() => {
          if (live.get(instanceId) === handle) live.delete(instanceId);
        });
        return handle;
      } finally {
        starting.delete(instanceId);
      }
    },

    async release(instanceId) {
      await sandbox?.remove(instanceId);
    },

    sweepOrphans: (tenantsDir) =>
      sweepOrphans({
        tenantsDir,
        binary: config.pocketbaseBinary,
        stopTimeoutMs: config.stopTimeoutMs,
        log,
        isSupervised: (id) => live.has(id) || starting.has(id),
      }),

    async stopAll() {
      closing = true;
      await Promise.allSettled([...starting.values()]);
      const stops = await Promise.allSettled([...live.values()].map((handle) => handle.stop()));
      launcher.close(); // its tenants go with it: only once every stop has ended, in order or not
      const failed = stops.find((r): r is PromiseRejectedResult => r.status === "rejected");
      if (failed) throw failed.reason;
    },
  };
}

type TenantBinding = {
  instanceId: string;
  paths: TenantPaths;
  onEvent: (e: SupervisorEvent) => void;
  runner: TenantRunner;
  launcher: Launcher;
  /** Passed in the environment only (never on a command line), read once per launch: crash restarts reuse them. */
  secrets: Record<string, string>;
};

/** Binds one tenant's logs, events and spawn command for its supervision. */
function tenantContext(deps: SupervisorDeps, { instanceId, paths, onEvent, runner, launcher, secrets }: TenantBinding): TenantContext {
  const { config } = deps;
  const log = deps.log.child({ instanceId });
  const emit = safeEmitter(onEvent, log);
  const tenantLog = createTenantLog({
    file: paths.logFile,
    onError: (err) => log.warn({ err }, "cannot write the tenant log file; keeping the in-memory tail only"),
  });
  const onLine = (line: string) => {
    tenantLog.write(line); // tenant output goes to its own log, never to the platform logger
    emit({ type: "output", line });
  };
  return {
    instanceId,
    paths,
    startTimeoutMs: config.startTimeoutMs,
    stopTimeoutMs: config.stopTimeoutMs,
    log,
    tenantLog,
    ports: runner.ports,
    host: runner.host,
    oomKills: runner.oomKills,
    emit,
    sleep: deps.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms))),
    now: deps.now ?? Date.now,
    crashLoop: deps.crashLoop ?? defaultCrashLoop,
    backoff: deps.backoff ?? defaultBackoff,
    spawn: (port) =>
      spawnTenant({
        launcher,
        command: runner.command(serveArgs(runner.dirs, runner.listen(port)), "serve"),
        env: tenantEnv(runner.dirs, config.tenantMemoryLimit, config.tenantMaxProcs, secrets),
        cwd: paths.root,
        gracefulPid: runner.gracefulPid,
        afterExit: runner.endAll,
        onLine,
      }),
  };
}

/** Wraps the caller's event handler so a throwing handler cannot break supervision. */
function safeEmitter(onEvent: (e: SupervisorEvent) => void, log: Logger) {
  return (event: SupervisorEvent) => {
    try {
      onEvent(event);
    } catch (err) {
      log.error({ err, event: event.type }, "supervisor event handler threw");
    }
  };
}
