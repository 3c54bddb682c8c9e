// The orchestrator's startup order, top to bottom. Shutdown runs the registered steps in reverse.
import { randomBytes } from "node:crypto";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { openDb } from "../lib/db/open";
import { createApi, eventsApi, listenApi } from "./api/create-api";
import { instancesApi } from "./api/instances-api";
import { deploysApi, templatesApi } from "./api/deploys-api";
import { backupsApi } from "./api/backups-api";
import { domainsApi, tlsAskApi } from "./api/domains-api";
import { runtimeApi } from "./api/runtime-api";
import { clusterApi } from "./api/cluster-api";
import { forwardToOwner } from "./api/forward-to-owner";
import { Hono } from "hono";
import { createCluster } from "./cluster/cluster";
import { createClusterStore } from "./cluster/cluster-store";
import { peerKey } from "./cluster/peer-auth";
import { createPeerApi } from "./cluster/peer-api";
import { createDrain } from "./cluster/drain";
import { createEventRelay } from "./cluster/event-relay";
import { httpOrigin } from "./tools/http-origin";
import { createDnsCheck } from "./domains/dns-check";
import { createDomains } from "./domains/domains";
import { createBackups } from "./backups/backups";
import { createDeployRecords } from "./deploys/deploy-records";
import { createDeployService } from "./deploys/deploy-service";
import { createTenantCode } from "./deploys/tenant-code";
import { loadConfig } from "./config";
import { createGateway } from "./gateway/create-gateway";
import { createAdminSso } from "./instances/admin-sso";
import { createApiKeyAuth } from "./instances/api-key-auth";
import { createInstanceController } from "./instances/controller";
import { createEventBus } from "./instances/event-bus";
import { createGatewayRouter } from "./instances/gateway-router";
import { createIdleTracker } from "./instances/idle-tracker";
import { createInstanceStore } from "./instances/instance-store";
import { createLifecycle } from "./instances/lifecycle";
import { createPocketbaseAdmin } from "./instances/pocketbase-admin";
import { createTenantDisk } from "./instances/tenant-disk";
import { createTenantSecrets } from "./instances/tenant-secrets";
import { createSuperuserTokens } from "./instances/superuser-tokens";
import { createLogger } from "./logger";
import { createMailer } from "../lib/mail/mailer";
import { createNotices } from "./notices/notices";
import { createIdleStopper } from "./reconcile/idle-stopper";
import { createReconciler } from "./reconcile/reconciler";
import { createSnapshotScheduler } from "./reconcile/snapshot-scheduler";
import { createShutdown } from "./shutdown";
import { createStorage } from "./storage/create-storage";
import { createSupervisor } from "./supervisor/create-supervisor";
import { createSync } from "./sync/create-sync";
import { resolveSandbox } from "./sandbox/resolve-sandbox";
import { createVolumes } from "./sandbox/volumes";
import { resolveReplication } from "./replication/resolve-replication";
import { storedReplicaTxid } from "./replication/replica-location";
import { raiseFdLimit } from "./tools/fd-limit";
import { assertSupportedNode } from "./tools/node-version";
import { startRuntimeMonitor } from "./tools/runtime-metrics";
import { protectDataDir } from "./tenant/protect-data-dir";

/** How long a cluster node's shutdown lets its final uploads run (they all run there, see below). */
const CLUSTER_FINAL_UPLOADS_MS = 120_000;

async function main(): Promise<void> {
  assertSupportedNode(); // first: an older Node fails here, saying which it needs, before anything is touched
  const config = loadConfig();
  const log = createLogger(config.logLevel);
  // A stray rejection is a bug to log, not a reason to take every tenant offline.
  process.on("unhandledRejection", (err) => log.error({ err }, "unhandled promise rejection"));
  // Each gateway connection can hold two descriptors (client and upstream): room for the caps and more.
  const fds = await raiseFdLimit(Math.max(65_536, 2 * config.gateway.limits.maxConnections + 4_096));
  if (fds) log[fds.error ? "warn" : "debug"]({ openFiles: fds.after, error: fds.error }, "open-file limit");
  const shutdown = createShutdown(log);
  const runtime = startRuntimeMonitor();
  shutdown.add("runtime monitor", 1_000, () => runtime.stop());

  const db = await openDb(config.db);
  /** A local control DB: no other node can share it, so none can take a tenant over from this one. */
  const soleNode = config.db.url.startsWith("file:");
  shutdown.add("control DB", 5_000, () => db.close());
  // This process in the cluster's tables (docs/scale-out.md); the heartbeat starts further down.
  const incarnation = randomBytes(8).toString("hex");
  const clusterStore = createClusterStore(db, { nodeId: config.node.id, incarnation }, config.node.ttlMs);
  const mailer = createMailer({ smtpUrl: config.mail.smtpUrl, from: config.mail.from, log });
  shutdown.add("mailer", 1_000, () => mailer.close());
  const notices = createNotices({ db, mailer, log, dashboardUrl: config.dashboardUrl });

  await protectDataDir({ dataDir: config.dataDir, tenantsDir: config.tenantsDir, storage: config.storage, dbUrl: config.db.url });
  // Each sandbox binds the binary read-only (as root), so a checkout in a private folder is fine.
  const pocketbaseBinary = config.pocketbaseBinary;
  const sandbox = await resolveSandbox(config.isolation.mode, { ...config.sandbox, binary: pocketbaseBinary }, log);
  // Registered early so it runs late: namespaces and the firewall table go once every tenant has stopped.
  if (sandbox) shutdown.add("tenant sandbox (namespaces, firewall)", 30_000, () => sandbox.close());
  const disk = createTenantDisk({
    tenantsDir: config.tenantsDir,
    volumes: sandbox ? createVolumes({ pool: { ...config.volumePool, log } }) : undefined,
    log,
    onUsage: async (id, usage) => {
      await store.update(id, { diskUsedBytes: usage.usedBytes, diskQuotaBytes: usage.quotaBytes });
      notices.diskUsage(id, usage);
    },
  });
  shutdown.add("tenant volumes", 30_000, () => disk.close());
  const storage = createStorage(config.storage);
  const sync = createSync({ storage, log, options: { maxFiles: config.tenantMaxFiles } });
  const replication = await resolveReplication(config.replication, {
    storageConfig: config.storage,
    storage,
    log,
    lineages: (id) => clusterStore.lineages(id),
  });
  // This node's heartbeat (the cluster is made below) keeps its leases until its tenants' processes
  // and Litestream's final syncs are done: the tenants a shutdown had no time to upload run until
  // then. So it is registered before both, and runs after them.
  let leaveCluster: () => Promise<void> = async () => undefined;
  shutdown.add("cluster membership", 5_000, () => leaveCluster());
  // Registered before the tenants' step, so it runs after it: their final syncs go through Litestream.
  if (replication) shutdown.add("replication (Litestream)", 40_000, () => replication.close());
  const supervisor = createSupervisor({
    config: { pocketbaseBinary, ports: config.ports, tenantMemoryLimit: config.tenantMemoryLimit, tenantMaxProcs: config.tenantMaxProcs, ...config.timings },
    log,
    sandbox,
  });
  shutdown.add("remaining PocketBase processes", config.timings.stopTimeoutMs + 5_000, () => supervisor.stopAll());

  // This node's heartbeat and leases (docs/scale-out.md). Its shutdown step (above) runs after the
  // tenants' step: final uploads need their leases renewed until the last one is stored.
  const startedAt = new Date();
  const version = (JSON.parse(await fs.readFile(path.resolve(import.meta.dirname, "../package.json"), "utf8")) as { version: string }).version;
  let gatewayPortNow = config.gateway.port;
  const peerApi = createPeerApi(config.orchestratorToken);
  const cluster = createCluster({
    store: clusterStore,
    info: () => ({
      nodeId: config.node.id,
      incarnation,
      host: `${os.hostname()}:${config.dataDir}`,
      gatewayUrl: httpOrigin({ host: config.node.address, port: gatewayPortNow }),
      apiUrl: httpOrigin({ host: config.node.address, port: config.api.port }),
      capacity: config.node.capacity,
      running: supervisor.liveIds().length,
      version,
      draining: false,
      startedAt,
    }),
    ttlMs: config.node.ttlMs,
    log,
    askPeer: (node, signal) => peerApi.status(node, signal),
    soleByDesign: soleNode,
    onLost: (ids) => {
      for (const id of ids) lifecycle.fence(id).catch((err: unknown) => log.error({ err, instanceId: id }, "stopping a tenant whose lease was lost failed"));
    },
  });
  leaveCluster = () => cluster.leave();

  const bus = createEventBus();
  shutdown.add("instance notices", 1_000, notices.watch(bus));
  const store = createInstanceStore({ db, bus });
  const idle = createIdleTracker();
  const admin = createPocketbaseAdmin({ log, repair: (t) => lifecycle.repairSuperuser(t) });
  const deployRecords = createDeployRecords({ db });
  const lifecycle = createLifecycle({
    config: {
      ...config,
      tenantUidBase: sandbox ? config.isolation.uidBase : null,
      restoreWindowMs: config.replication.restoreWindowMs,
      tenantLimits: { ...config.sandbox.limits, diskQuotaBytes: config.sandbox.diskQuotaBytes },
    },
    log,
    store,
    supervisor,
    sync,
    admin,
    disk,
    sandbox,
    code: createTenantCode({ storage, log, records: deployRecords, store }),
    secrets: createTenantSecrets({ db, encryptionKey: config.encryptionKey, log }),
    replication,
    replicaPosition: async (id) => {
      const lineage = cluster.lineageOf(id)?.lineage ?? (await clusterStore.lineages(id)).lineage;
      return { lineage, txid: await storedReplicaTxid(storage, config.storage.driver, id, lineage) };
    },
    leases: cluster,
    onLive: (id, live) => (live ? idle.reset(id) : idle.forget(id)),
    appUrlOf: (instance) => domains.appUrlOf(instance),
  });
  // A tenant left without its final upload resumes from its local copy at this node's next start.
  // In a cluster a peer would take it over from the store instead, without its newest writes, so
  // there every tenant gets its upload, bounded only by the step (drain a large node first).
  const uploadBudgetMs = soleNode ? config.timings.shutdownUploadMs : Number.POSITIVE_INFINITY;
  const uploadStepMs = soleNode ? config.timings.shutdownUploadMs + 30_000 : CLUSTER_FINAL_UPLOADS_MS;
  shutdown.add("tenants (final upload)", uploadStepMs, () => lifecycle.stopAll(uploadBudgetMs));
  const controller = createInstanceController({ db, store, lifecycle, encryptionKey: config.encryptionKey, log });

  const reconciler = createReconciler({
    store,
    lifecycle,
    supervisor,
    placement: cluster,
    tenantsDir: config.tenantsDir,
    intervalMs: config.timings.reconcileIntervalMs,
    log,
  });
  await reconciler.sweepOrphans();

  const apiKeys = createApiKeyAuth({ db, log });
  apiKeys.start();
  shutdown.add("API key last-use flush", 5_000, () => apiKeys.stop());
  const tokens = createSuperuserTokens({ store, lifecycle, admin });
  const sso = createAdminSso();
  const domains = createDomains({
    db,
    store,
    bus,
    log,
    check: createDnsCheck({ servers: config.domains.resolvers }),
    baseDomain: config.baseDomain,
    publicUrl: config.publicUrl,
    perUserLimit: config.domains.perUser,
    recheckMs: config.domains.recheckMs,
    resolveSubdomain: (subdomain) => router.resolve(subdomain),
    onAppUrlChange: (id) => lifecycle.refreshAppUrl(id),
  });
  const router = createGatewayRouter({ store, controller, idle, bus, apiKeys, tokens, sso, disk, domains, cluster });
  const gateway = createGateway({
    config: { ...config.gateway, baseDomain: config.baseDomain, wakeTimeoutMs: config.timings.wakeTimeoutMs, peerKey: peerKey(config.orchestratorToken) },
    log,
    router,
    isPeer: (ip) => cluster.isPeerAddress(ip),
  });
  const { port: gatewayPort } = await gateway.listen();
  gatewayPortNow = gatewayPort;
  shutdown.add("gateway", 5_000, () => gateway.close());

  const deploys = createDeployService({
    config: { ...config.deploys, sandboxed: sandbox !== undefined },
    log,
    storage,
    records: deployRecords,
    store,
    lifecycle,
  });
  // Scratch copies of downloads and spooled imports a previous run left behind (a crash mid-way).
  await fs.rm(path.join(config.dataDir, "work", "backups"), { recursive: true, force: true });
  const backups = createBackups({
    store,
    lifecycle,
    controller,
    replication,
    restoreWindowMs: config.replication.restoreWindowMs,
    sync,
    storage,
    log,
    workDir: path.join(config.dataDir, "work", "backups"),
    importLimits: config.imports,
  });
  const api = createApi({
    token: config.orchestratorToken,
    log,
    routes: {
      "/v1/cluster": clusterApi({ cluster, drain: createDrain({ cluster, lifecycle, store, peers: peerApi, leases: clusterStore, log }) }),
      "/v1/instances": new Hono()
        .use("/:id/*", forwardToOwner({ cluster, token: config.orchestratorToken }))
        .use("/:id", forwardToOwner({ cluster, token: config.orchestratorToken }))
        .route("/", instancesApi({ controller, store, lifecycle, tenantsDir: config.tenantsDir, sso, publicUrl: config.publicUrl, deploys }))
        .route("/", deploysApi({ deploys }))
        .route("/", backupsApi({ backups }))
        .route("/", domainsApi({ domains })),
      "/tls": tlsAskApi({ approves: (host) => domains.approves(host) }),
      "/v1/templates": templatesApi(),
      "/v1/events": eventsApi({ bus, relay: createEventRelay({ selfId: cluster.nodeId, peers: () => cluster.peers(), token: config.orchestratorToken, log }) }),
      "/v1/runtime": runtimeApi({ monitor: runtime }),
    },
  });
  const apiServer = await listenApi(api, config.api.host, config.api.port);
  shutdown.add("internal API", 5_000, () => new Promise((resolve) => apiServer.close(resolve)));

  await cluster.join();
  reconciler.start();
  shutdown.add("reconciler", 10_000, () => reconciler.stop());
  // With replication only files are snapshotted while running, so often enough that uploads reach the store within seconds.
  const snapshotIntervalMs = config.timings.snapshotIntervalMs ?? (replication ? 5_000 : 60_000);
  const snapshots = createSnapshotScheduler({ store, lifecycle, idle, intervalMs: snapshotIntervalMs, log });
  snapshots.start();
  shutdown.add("periodic snapshots", 60_000, () => snapshots.stop());
  const idleStopper = createIdleStopper({
    store,
    lifecycle,
    controller,
    idle,
    defaultTimeoutMs: config.timings.idleTimeoutMs,
    checkEveryMs: Math.min(30_000, Math.max(1_000, config.timings.idleTimeoutMs / 4 || 30_000)),
    log,
  });
  idleStopper.start();
  shutdown.add("idle stopper", 1_000, () => idleStopper.stop());
  domains.start();
  shutdown.add("custom domain re-checks", 5_000, () => domains.stop());

  log.info(
    {
      gatewayPort,
      apiPort: config.api.port,
      storage: config.storage.driver,
      dataDir: config.dataDir,
      node: config.node.id,
      sandbox: sandbox !== undefined,
      replication: replication !== undefined,
      mail: mailer.mode,
    },
    "orchestrator ready",
  );

  for (const signal of ["SIGTERM", "SIGINT"] as const) {
    process.once(signal, () => {
      void shutdown.run(signal).then(() => process.exit(0));
    });
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? (err.stack ?? err.message) : err);
  process.exit(1);
});
