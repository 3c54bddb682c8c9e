import { createHash } from "node:crypto";
import os from "node:os";
import path from "node:path";
import { z } from "zod";
import { byteSize, envBool as bool, parseEnv, platformEnvSchema, resolvePlatform } from "../lib/platform-env";
import { DEFAULT_GATEWAY_LIMITS } from "./gateway/default-limits";

const cidrList = z
  .string()
  .transform((v) =>
    v
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean),
  )
  .pipe(z.array(z.string().regex(/^[0-9a-f.:]+\/\d{1,3}$/i, "must be CIDRs such as 10.1.0.0/16, comma-separated")));

/** Comma-separated values, trimmed, empties dropped. */
const commaList = z.string().transform((v) =>
  v
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean),
);

const orchestratorEnvSchema = platformEnvSchema.extend({
  POCKETBASE_BINARY_PATH: z.string().min(1).optional(),
  INSTANCES_BASE_PORT: z.coerce.number().int().min(1024).max(64535).default(8090),
  INSTANCES_PORT_RANGE: z.coerce.number().int().min(10).max(20000).default(1000),
  GATEWAY_HOST: z.string().default("0.0.0.0"),
  ORCHESTRATOR_HOST: z.string().default("127.0.0.1"),
  /** Object storage: any S3-compatible endpoint, or R2 when R2_ACCOUNT_ID is set. */
  R2_ACCOUNT_ID: z.string().min(1).optional(),
  R2_ACCESS_KEY_ID: z.string().min(1).optional(),
  R2_SECRET_ACCESS_KEY: z.string().min(1).optional(),
  R2_BUCKET_NAME: z.string().min(1).default("picobase-instances"),
  S3_ENDPOINT: z.url().optional(),
  S3_REGION: z.string().min(1).default("auto"),
  S3_FORCE_PATH_STYLE: bool.default(false),
  STORAGE_DIR: z.string().min(1).optional(),
  /** Lifecycle timings. */
  IDLE_TIMEOUT_MINUTES: z.coerce.number().min(0).default(15),
  /** Between snapshots of a running instance's files (and, without replication, databases); default 5 with replication, else 60. */
  SNAPSHOT_INTERVAL_SECONDS: z.coerce.number().int().min(1).max(60).optional(),
  /** Continuous replication of each running instance's data.db with Litestream: auto (when its binary is installed), on, off. */
  REPLICATION: z.enum(["auto", "on", "off"]).default("auto"),
  LITESTREAM_BINARY_PATH: z.string().min(1).optional(),
  /** How far back an instance can be restored to a point in time (replicas and snapshots are kept that long). */
  RESTORE_WINDOW_DAYS: z.coerce.number().min(1).max(365).default(7),
  /** Between Litestream's full snapshots of a replicated database (bounds the work of a restore). */
  REPLICA_SNAPSHOT_INTERVAL_HOURS: z.coerce.number().int().min(1).max(168).default(24),
  START_TIMEOUT_MS: z.coerce.number().int().min(1000).default(30_000),
  /** Starts and wakes doing their work (restore, launch, health check) at once; the rest queue in arrival order. */
  START_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(4),
  STOP_TIMEOUT_MS: z.coerce.number().int().min(100).default(10_000),
  /** How long a shutdown of a node with a local control DB keeps beginning final uploads; the instances not reached by then stop without one (their data stays on this node). */
  SHUTDOWN_UPLOAD_SECONDS: z.coerce.number().int().min(0).max(600).default(60),
  WAKE_TIMEOUT_MS: z.coerce.number().int().min(100).default(30_000),
  RECONCILE_INTERVAL_SECONDS: z.coerce.number().int().min(1).default(15),
  /** Go runtime soft memory limit for each tenant process (GOMEMLIMIT). */
  TENANT_MEMORY_LIMIT: z
    .string()
    .regex(/^\d+(B|KiB|MiB|GiB)$/)
    .default("48MiB"),
  /** Tenant sandbox (bubblewrap, cgroups, own network namespace, own uid): auto (when root), sandbox (required), off. */
  TENANT_ISOLATION: z.enum(["auto", "sandbox", "off"]).default("auto"),
  /** Per-tenant hard limits (cgroups) and private /tmp size. */
  TENANT_MEMORY_MAX: byteSize.default(256 * 1024 * 1024),
  TENANT_PIDS_MAX: z.coerce.number().int().min(16).max(100_000).default(64),
  TENANT_CPU_WEIGHT: z.coerce.number().int().min(1).max(10_000).default(100),
  /** CPU time per tenant in cores (0.5 = half a core); 0 = no cap. */
  TENANT_CPU_CORES: z.coerce.number().min(0).max(1024).default(1),
  TENANT_TMP_SIZE: byteSize.default(64 * 1024 * 1024),
  /** Disk quota per instance for its PocketBase folders (data, uploaded files, hooks, migrations, static files). */
  TENANT_DISK_QUOTA: byteSize.default(1024 * 1024 * 1024),
  /** Formatted volume images kept ready, so a new volume skips mkfs.ext4 on its start; 0 = none. */
  VOLUME_POOL_SIZE: z.coerce.number().int().min(0).max(64).default(2),
  /** Tenant network namespaces are numbered from this IPv4 subnet (a /30 each). */
  TENANT_SUBNET: z
    .string()
    .regex(/^\d{1,3}(\.\d{1,3}){3}\/\d{1,2}$/, "must be an IPv4 CIDR such as 10.201.0.0/16")
    .default("10.201.0.0/16"),
  /** Resolvers that custom domains are verified against (`ip` or `ip:port`, comma-separated); default: the system's. */
  DNS_RESOLVER: commaList.pipe(z.array(z.string().regex(/^[0-9a-f.:[\]]+$/i, "must be addresses such as 1.1.1.1 or 127.0.0.1:5353"))).default([]),
  /** How often a custom domain's DNS records are checked again (a removed record makes it stop routing). */
  DOMAIN_RECHECK_MINUTES: z.coerce.number().int().min(1).default(60),
  /** Custom domains one user may add over all their instances. */
  CUSTOM_DOMAINS_PER_USER: z.coerce.number().int().min(0).default(10),
  /** CIDRs tenants may reach even though they are private (comma-separated); by default none. */
  TENANT_NET_ALLOW: cidrList.default([]),
  /** Resolvers written into tenants' /etc/resolv.conf and allowed on port 53 (comma-separated); default: the host's. */
  TENANT_DNS: z
    .string()
    .optional()
    .transform((v) =>
      v
        ? v
            .split(",")
            .map((s) => s.trim())
            .filter(Boolean)
        : undefined,
    ),
  TENANT_UID_BASE: z.coerce.number().int().min(1000).max(2_000_000_000).default(200_000),
  /** Remount the host's cgroup2 with favordynmods so tenant starts skip a 6–8 ms wait (host-wide; sandbox/cgroup-migrations.ts). */
  CGROUP_FAVOR_DYNMODS: bool.default(true),
  /** Cores the Go scheduler of each tenant may use at once (GOMAXPROCS); 0 = all. */
  TENANT_GOMAXPROCS: z.coerce.number().int().min(0).max(256).default(1),
  /** Files (uploads, hooks, migrations) one instance may have; a snapshot of more fails visibly. */
  TENANT_MAX_FILES: z.coerce.number().int().min(1).default(100_000),
  /** Files in one deploy bundle (its size is DEPLOY_MAX_SIZE); deploys need the sandbox unless explicitly allowed. */
  DEPLOY_MAX_FILES: z.coerce.number().int().min(1).max(1_000_000).default(10_000),
  /** Deploys per instance whose files stay in object storage (for the file view and rollback). */
  DEPLOYS_KEPT: z.coerce.number().int().min(1).max(1000).default(20),
  ALLOW_UNSANDBOXED_DEPLOYS: bool.default(false),
  /** Largest PocketBase backup an import accepts (upload and unpacked); default: the disk quota. */
  IMPORT_MAX_SIZE: byteSize.optional(),
  /** Several nodes on one control DB (docs/scale-out.md): this node's name (default: host name and data folder). */
  NODE_ID: z
    .string()
    .regex(/^[A-Za-z0-9._-]{1,64}$/, "must be 1–64 letters, digits, dots, dashes or underscores")
    .optional(),
  /** The address other nodes reach this node's gateway and internal API at. */
  NODE_ADDRESS: z.string().min(1).default("127.0.0.1"),
  /** A node whose heartbeat is older than this is dead, and its tenants' leases may be taken over. */
  NODE_TTL_SECONDS: z.coerce.number().min(3).max(60).default(10),
  /** Tenants this node runs at most (placement sends the next one to the node with the most room). */
  NODE_CAPACITY: z.coerce.number().int().min(1).max(100_000).default(1_000),
  /** Gateway limits (0 turns a cap off): time to send headers, idle keep-alive, connections, streams, rates per second. */
  GATEWAY_HEADERS_TIMEOUT_MS: z.coerce.number().int().min(1000).default(DEFAULT_GATEWAY_LIMITS.headersTimeoutMs),
  GATEWAY_KEEP_ALIVE_TIMEOUT_MS: z.coerce.number().int().min(1000).default(DEFAULT_GATEWAY_LIMITS.keepAliveTimeoutMs),
  GATEWAY_MAX_CONNECTIONS: z.coerce.number().int().min(0).default(DEFAULT_GATEWAY_LIMITS.maxConnections),
  GATEWAY_MAX_CONNECTIONS_PER_IP: z.coerce.number().int().min(0).default(DEFAULT_GATEWAY_LIMITS.maxConnectionsPerIp),
  GATEWAY_MAX_CONCURRENT_PER_IP: z.coerce.number().int().min(0).default(DEFAULT_GATEWAY_LIMITS.maxConcurrentPerIp),
  GATEWAY_MAX_STREAMS_PER_INSTANCE: z.coerce.number().int().min(0).default(DEFAULT_GATEWAY_LIMITS.maxStreamsPerInstance),
  GATEWAY_RATE_PER_IP: z.coerce.number().int().min(0).default(DEFAULT_GATEWAY_LIMITS.ratePerIp),
  GATEWAY_RATE_PER_INSTANCE: z.coerce.number().int().min(0).default(DEFAULT_GATEWAY_LIMITS.ratePerInstance),
});

export type OrchestratorEnv = z.infer<typeof orchestratorEnvSchema>;

/** Object-storage settings: the local-directory driver unless S3 credentials are given. */
export type StorageConfig =
  | { driver: "local"; root: string }
  | {
      driver: "s3";
      endpoint: string | undefined;
      region: string;
      bucket: string;
      accessKeyId: string;
      secretAccessKey: string;
      forcePathStyle: boolean;
    };

/** Parses the orchestrator's configuration once, at startup. */
export function loadConfig(source: NodeJS.ProcessEnv = process.env) {
  const env = parseEnv(orchestratorEnvSchema, source);
  const platform = resolvePlatform(env);
  return {
    ...platform,
    logLevel: env.LOG_LEVEL,
    baseDomain: env.BASE_DOMAIN.toLowerCase(),
    publicUrl: {
      baseDomain: env.BASE_DOMAIN.toLowerCase(),
      gatewayPort: env.GATEWAY_PORT,
      publicGatewayUrl: env.PUBLIC_GATEWAY_URL,
    },
    pocketbaseBinary: path.resolve(env.POCKETBASE_BINARY_PATH ?? ".tools/bin/pocketbase"),
    tenantsDir: path.join(platform.dataDir, "tenants"),
    ports: { base: env.INSTANCES_BASE_PORT, range: env.INSTANCES_PORT_RANGE },
    gateway: { host: env.GATEWAY_HOST, port: env.GATEWAY_PORT, trustedProxyHops: platform.trustedProxyHops, limits: gatewayLimits(env) },
    node: {
      id:
        env.NODE_ID ??
        `${os
          .hostname()
          .replace(/[^A-Za-z0-9._-]/g, "-")
          .slice(0, 40)}-${sandboxScope(platform.dataDir)}`,
      address: env.NODE_ADDRESS,
      ttlMs: env.NODE_TTL_SECONDS * 1000,
      capacity: env.NODE_CAPACITY,
    },
    api: { host: env.ORCHESTRATOR_HOST, port: env.ORCHESTRATOR_PORT },
    storage: storageConfig(env, platform.dataDir),
    startConcurrency: env.START_CONCURRENCY,
    timings: {
      idleTimeoutMs: env.IDLE_TIMEOUT_MINUTES * 60_000,
      /** null: the default, which depends on whether replication runs. */
      snapshotIntervalMs: env.SNAPSHOT_INTERVAL_SECONDS === undefined ? null : env.SNAPSHOT_INTERVAL_SECONDS * 1000,
      startTimeoutMs: env.START_TIMEOUT_MS,
      stopTimeoutMs: env.STOP_TIMEOUT_MS,
      shutdownUploadMs: env.SHUTDOWN_UPLOAD_SECONDS * 1000,
      wakeTimeoutMs: env.WAKE_TIMEOUT_MS,
      reconcileIntervalMs: env.RECONCILE_INTERVAL_SECONDS * 1000,
    },
    replication: {
      mode: env.REPLICATION,
      binary: path.resolve(env.LITESTREAM_BINARY_PATH ?? ".tools/bin/litestream"),
      workDir: path.join(platform.dataDir, "litestream"),
      restoreWindowMs: env.RESTORE_WINDOW_DAYS * 86_400_000,
      snapshotIntervalMs: env.REPLICA_SNAPSHOT_INTERVAL_HOURS * 3_600_000,
    },
    tenantMemoryLimit: env.TENANT_MEMORY_LIMIT,
    tenantMaxProcs: env.TENANT_GOMAXPROCS,
    tenantMaxFiles: env.TENANT_MAX_FILES,
    isolation: { mode: env.TENANT_ISOLATION, uidBase: env.TENANT_UID_BASE },
    domains: { resolvers: env.DNS_RESOLVER, recheckMs: env.DOMAIN_RECHECK_MINUTES * 60_000, perUser: env.CUSTOM_DOMAINS_PER_USER },
    deploys: {
      limits: { maxBytes: platform.deployMaxBytes, maxFiles: env.DEPLOY_MAX_FILES },
      allowUnsandboxed: env.ALLOW_UNSANDBOXED_DEPLOYS,
      kept: env.DEPLOYS_KEPT,
      /** Bundles are checked and staged here (ours alone) before they are stored. */
      workDir: path.join(platform.dataDir, "work", "deploys"),
    },
    imports: { maxBytes: env.IMPORT_MAX_SIZE ?? env.TENANT_DISK_QUOTA, maxFiles: env.TENANT_MAX_FILES },
    /** Formatted volume images made ahead (sandbox/volume-pool.ts), beside the tenants' folders. */
    volumePool: { dir: path.join(platform.dataDir, "volume-pool"), size: env.VOLUME_POOL_SIZE },
    sandbox: {
      scope: sandboxScope(platform.dataDir),
      limits: { memoryBytes: env.TENANT_MEMORY_MAX, pids: env.TENANT_PIDS_MAX, cpuWeight: env.TENANT_CPU_WEIGHT, cpuCores: env.TENANT_CPU_CORES },
      tmpBytes: env.TENANT_TMP_SIZE,
      diskQuotaBytes: env.TENANT_DISK_QUOTA,
      tenantSubnet: env.TENANT_SUBNET,
      favorDynmods: env.CGROUP_FAVOR_DYNMODS,
      allow: env.TENANT_NET_ALLOW,
      dns: env.TENANT_DNS,
    },
  };
}

/** Namespaces, cgroups and firewall tables are named per data folder, so two orchestrators on one host stay apart. */
export function sandboxScope(dataDir: string): string {
  return createHash("sha256").update(dataDir).digest("hex").slice(0, 4);
}

function gatewayLimits(env: OrchestratorEnv) {
  return {
    headersTimeoutMs: env.GATEWAY_HEADERS_TIMEOUT_MS,
    keepAliveTimeoutMs: env.GATEWAY_KEEP_ALIVE_TIMEOUT_MS,
    maxConnections: env.GATEWAY_MAX_CONNECTIONS,
    maxConnectionsPerIp: env.GATEWAY_MAX_CONNECTIONS_PER_IP,
    maxConcurrentPerIp: env.GATEWAY_MAX_CONCURRENT_PER_IP,
    maxStreamsPerInstance: env.GATEWAY_MAX_STREAMS_PER_INSTANCE,
    ratePerIp: env.GATEWAY_RATE_PER_IP,
    ratePerInstance: env.GATEWAY_RATE_PER_INSTANCE,
  };
}

function storageConfig(env: OrchestratorEnv, dataDir: string): StorageConfig {
  if (!env.R2_ACCESS_KEY_ID || !env.R2_SECRET_ACCESS_KEY) {
    if (env.R2_ACCESS_KEY_ID || env.R2_SECRET_ACCESS_KEY || env.S3_ENDPOINT || env.R2_ACCOUNT_ID) {
      throw new Error("Invalid configuration:\n  R2_ACCESS_KEY_ID and R2_SECRET_ACCESS_KEY must both be set to use S3/R2 storage");
    }
    return { driver: "local", root: path.resolve(env.STORAGE_DIR ?? path.join(dataDir, "storage")) };
  }
  const endpoint = env.S3_ENDPOINT ?? (env.R2_ACCOUNT_ID ? `https://${env.R2_ACCOUNT_ID}.r2.cloudflarestorage.com` : undefined);
  return {
    driver: "s3",
    endpoint,
    region: env.S3_REGION,
    bucket: env.R2_BUCKET_NAME,
    accessKeyId: env.R2_ACCESS_KEY_ID,
    secretAccessKey: env.R2_SECRET_ACCESS_KEY,
    forcePathStyle: env.S3_FORCE_PATH_STYLE,
  };
}
