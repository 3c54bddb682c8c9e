import { sql } from "drizzle-orm";
import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import type { ResourceLimits } from "../validations/limits";

/** The two states a user can ask for; the orchestrator converges the actual status to it. */
export const desiredStates = ["running", "stopped"] as const;

/** Actual lifecycle states, written only by the orchestrator. */
export const instanceStatuses = ["stopped", "starting", "running", "stopping", "failed", "sync_failed"] as const;

const createdAt = () =>
  integer("created_at", { mode: "timestamp_ms" })
    .notNull()
    .default(sql`(unixepoch('subsec') * 1000)`);

export const users = sqliteTable("users", {
  id: text("id").primaryKey(),
  name: text("name").notNull(),
  email: text("email").notNull().unique(),
  passwordHash: text("password_hash").notNull(),
  /** When the user proved they read mail at `email` (null: not yet; see lib/data/email-tokens.ts). */
  emailVerifiedAt: integer("email_verified_at", { mode: "timestamp_ms" }),
  createdAt: createdAt(),
});

/** What a mailed link lets its holder do. */
export const emailTokenPurposes = ["verify-email", "reset-password"] as const;

/** Single-use, expiring links sent by mail; only a hash of the secret is stored. */
export const emailTokens = sqliteTable(
  "email_tokens",
  {
    id: text("id").primaryKey(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    purpose: text("purpose", { enum: emailTokenPurposes }).notNull(),
    /** SHA-256 hex of the secret in the link. */
    tokenHash: text("token_hash").notNull(),
    createdAt: createdAt(),
    expiresAt: integer("expires_at", { mode: "timestamp_ms" }).notNull(),
    usedAt: integer("used_at", { mode: "timestamp_ms" }),
  },
  (t) => [index("email_tokens_user_idx").on(t.userId, t.purpose), uniqueIndex("email_tokens_hash_idx").on(t.tokenHash)],
);

/** Mails the platform sent about an instance or account, so a notice is not repeated too often. */
export const notices = sqliteTable(
  "notices",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    instanceId: text("instance_id").references(() => instances.id, { onDelete: "cascade" }),
    /** e.g. "instance-failed", "quota-warning". */
    kind: text("kind").notNull(),
    createdAt: createdAt(),
  },
  (t) => [index("notices_user_kind_idx").on(t.userId, t.kind, t.createdAt)],
);

/**
 * Signed-in dashboard sessions. The session cookie (a next-auth JWT) names one by id; it is valid
 * only while its row exists, so signing out (that row) and changing the password (all of the
 * user's rows) end sessions on the server, not just in the browser that asked.
 */
export const sessions = sqliteTable(
  "sessions",
  {
    id: text("id").primaryKey(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    createdAt: createdAt(),
    expiresAt: integer("expires_at", { mode: "timestamp_ms" }).notNull(),
  },
  (t) => [index("sessions_user_idx").on(t.userId)],
);

export const instances = sqliteTable(
  "instances",
  {
    id: text("id").primaryKey(),
    ownerId: text("owner_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    subdomain: text("subdomain").notNull().unique(),
    desiredState: text("desired_state", { enum: desiredStates }).notNull().default("stopped"),
    status: text("status", { enum: instanceStatuses }).notNull().default("stopped"),
    statusReason: text("status_reason"),
    /** Loopback port of the live PocketBase process, null when not running. */
    port: integer("port"),
    /** Newest snapshot generation confirmed in object storage (0: never uploaded). */
    generation: integer("generation").notNull().default(0),
    /**
     * Highest snapshot generation number handed to an upload (reserved under the uploader's lease),
     * so two nodes never upload under one number, even a stale one that lost the lease meanwhile.
     */
    reservedGeneration: integer("reserved_generation").notNull().default(0),
    /** Unprivileged uid the tenant's PocketBase runs as (when the orchestrator runs as root). */
    tenantUid: integer("tenant_uid").unique(),
    superuserEmail: text("superuser_email").notNull(),
    /** AES-256-GCM ciphertext of the platform superuser's password. */
    superuserPasswordEnc: text("superuser_password_enc").notNull(),
    /** Idle minutes before an automatic stop; null uses the platform default, 0 disables. */
    idleTimeoutMinutes: integer("idle_timeout_minutes"),
    storageBytes: integer("storage_bytes").notNull().default(0),
    /** Operator overrides of the platform's per-tenant limits (JSON, see lib/validations/limits.ts); null: defaults. */
    resourceLimits: text("resource_limits", { mode: "json" }).$type<ResourceLimits>(),
    /** The tenant's disk use and the quota in force, as last measured by the orchestrator (null: never measured). */
    diskUsedBytes: integer("disk_used_bytes"),
    diskQuotaBytes: integer("disk_quota_bytes"),
    /** The app URL last written to the tenant's PocketBase settings (its primary custom domain, or its own URL); null: not recorded. */
    appUrl: text("app_url"),
    /** The deploy (hooks, migrations, public files) the instance runs, or should run from its next start; null: none. */
    deployId: text("deploy_id"),
    lastStartedAt: integer("last_started_at", { mode: "timestamp_ms" }),
    lastStoppedAt: integer("last_stopped_at", { mode: "timestamp_ms" }),
    createdAt: createdAt(),
    updatedAt: integer("updated_at", { mode: "timestamp_ms" })
      .notNull()
      .default(sql`(unixepoch('subsec') * 1000)`),
  },
  (t) => [index("instances_owner_idx").on(t.ownerId)],
);

/**
 * The orchestrators sharing this control DB (docs/scale-out.md). Each one upserts its row every
 * few seconds; one whose heartbeat is older than the node TTL is dead. Times are the DB's own clock.
 */
export const nodes = sqliteTable("nodes", {
  id: text("id").primaryKey(),
  /** Random per process start: a restarted node is a new incarnation, and leases of the old one are not its own. */
  incarnation: text("incarnation").notNull(),
  /** The host name and data folder it runs from: a second process claiming the same id elsewhere is refused. */
  host: text("host").notNull().default(""),
  /** Where peers forward requests for the tenants this node runs (its gateway) and lifecycle commands (its internal API). */
  gatewayUrl: text("gateway_url").notNull(),
  apiUrl: text("api_url").notNull(),
  /** Tenants it may run at once, and how many run now. */
  capacity: integer("capacity").notNull(),
  running: integer("running").notNull().default(0),
  version: text("version").notNull(),
  /** A draining node takes no new tenants and hands its own to the others. */
  draining: integer("draining", { mode: "boolean" }).notNull().default(false),
  startedAt: integer("started_at", { mode: "timestamp_ms" }).notNull(),
  heartbeatAt: integer("heartbeat_at").notNull(),
});

/**
 * Which node runs an instance: at most one at a time. A lease is taken and renewed with conditional
 * updates; `generation` grows by one with every new holder and never goes back, so every write a
 * holder makes in the instance's name can be checked against it (fencing).
 */
export const leases = sqliteTable(
  "leases",
  {
    instanceId: text("instance_id")
      .primaryKey()
      .references(() => instances.id, { onDelete: "cascade" }),
    /** The holder (node id and incarnation); null once released. */
    nodeId: text("node_id"),
    incarnation: text("incarnation"),
    generation: integer("generation").notNull().default(0),
    /** DB time (ms) after which another node may take it over; renewed with every heartbeat. */
    expiresAt: integer("expires_at").notNull().default(0),
    /** The node that held it last, kept after a release: only that node's local copy of the data can be the newest. */
    lastNodeId: text("last_node_id"),
    /** `lastNodeId` as it was before the current holding began (the acquire's answer, kept in the row so it takes one statement). */
    previousNodeId: text("previous_node_id"),
    /**
     * Where the holder's Litestream replicates (a replica lineage: `tenants/<id>/litestream` for 0,
     * `litestream-<n>` otherwise). A node taking over from a holder that did not release the lease
     * starts a new one (its generation), so a stale holder's replication never lands where the new
     * holder's does; `previousLineage` is the one it restored from, read until the new one has data.
     */
    lineage: integer("lineage").notNull().default(0),
    previousLineage: integer("previous_lineage").notNull().default(0),
  },
  (t) => [index("leases_node_idx").on(t.nodeId)],
);

export const apiKeys = sqliteTable(
  "api_keys",
  {
    /** Public id, part of the key itself (`pbk_<id>_<secret>`), used for lookup. */
    id: text("id").primaryKey(),
    instanceId: text("instance_id")
      .notNull()
      .references(() => instances.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    /** SHA-256 hex of the whole key; the key itself is never stored. */
    keyHash: text("key_hash").notNull(),
    createdAt: createdAt(),
    lastUsedAt: integer("last_used_at", { mode: "timestamp_ms" }),
    revokedAt: integer("revoked_at", { mode: "timestamp_ms" }),
  },
  (t) => [index("api_keys_instance_idx").on(t.instanceId)],
);

export const instanceEvents = sqliteTable(
  "instance_events",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    instanceId: text("instance_id")
      .notNull()
      .references(() => instances.id, { onDelete: "cascade" }),
    type: text("type").notNull(),
    message: text("message").notNull(),
    createdAt: createdAt(),
  },
  (t) => [index("instance_events_instance_idx").on(t.instanceId, t.id)],
);

/** Why a snapshot generation was stored (mirrors the manifest's `reason`). */
export const snapshotReasons = ["stop", "schedule", "before-deploy", "before-restore", "clone", "import"] as const;

export const snapshots = sqliteTable(
  "snapshots",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    instanceId: text("instance_id")
      .notNull()
      .references(() => instances.id, { onDelete: "cascade" }),
    generation: integer("generation").notNull(),
    manifestKey: text("manifest_key").notNull(),
    sizeBytes: integer("size_bytes").notNull(),
    /** Why it was taken: stop, schedule, before-deploy, before-restore, import (null: before this was recorded). */
    reason: text("reason", { enum: snapshotReasons }),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex("snapshots_instance_generation_idx").on(t.instanceId, t.generation)],
);

/** How a deploy ended up; `pending` waits for the instance's next start, `deploying` is being applied. */
export const deployStatuses = ["pending", "deploying", "live", "failed", "superseded", "rolled_back"] as const;

/**
 * Versions of an instance's code (pb_hooks, pb_migrations, pb_public). The files live in object
 * storage, content-addressed (see orchestrator/deploys/deploy-keys.ts); a row is created only once
 * its bundle was validated and stored.
 */
export const deploys = sqliteTable(
  "deploys",
  {
    id: text("id").primaryKey(),
    instanceId: text("instance_id")
      .notNull()
      .references(() => instances.id, { onDelete: "cascade" }),
    /** 1, 2, 3… per instance, in the order the deploys were made. */
    number: integer("number").notNull(),
    status: text("status", { enum: deployStatuses }).notNull(),
    /** Who made it, as shown in the history ("ada@example.com", "API key “ci”", "template"). */
    author: text("author").notNull(),
    /** The user behind it, when a user (session or account token) made it. */
    authorId: text("author_id"),
    sizeBytes: integer("size_bytes").notNull(),
    fileCount: integer("file_count").notNull(),
    /** Why it failed (with PocketBase's last log lines), or how it was replaced. */
    message: text("message"),
    createdAt: createdAt(),
    finishedAt: integer("finished_at", { mode: "timestamp_ms" }),
  },
  (t) => [uniqueIndex("deploys_instance_number_idx").on(t.instanceId, t.number)],
);

/** Environment variables for an instance's hooks; values AES-256-GCM encrypted, never returned. */
export const instanceSecrets = sqliteTable(
  "instance_secrets",
  {
    instanceId: text("instance_id")
      .notNull()
      .references(() => instances.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    valueEnc: text("value_enc").notNull(),
    updatedAt: integer("updated_at", { mode: "timestamp_ms" })
      .notNull()
      .default(sql`(unixepoch('subsec') * 1000)`),
  },
  (t) => [primaryKey({ columns: [t.instanceId, t.name] })],
);

/** Personal access tokens (`pbt_<id>_<secret>`): act as their user on the platform API; stored hashed. */
export const accountTokens = sqliteTable(
  "account_tokens",
  {
    id: text("id").primaryKey(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    /** SHA-256 hex of the whole token. */
    tokenHash: text("token_hash").notNull(),
    createdAt: createdAt(),
    lastUsedAt: integer("last_used_at", { mode: "timestamp_ms" }),
    revokedAt: integer("revoked_at", { mode: "timestamp_ms" }),
  },
  (t) => [index("account_tokens_user_idx").on(t.userId)],
);

/** A custom domain's verification state: never verified yet, verified (routed), or verified once and since lost. */
export const domainStatuses = ["pending", "verified", "lost"] as const;

/**
 * Host names an owner points at one of their instances (`api.example.com`). Routed by the gateway
 * and given a certificate only while `verified`; a host name is verified for one instance at most.
 */
export const customDomains = sqliteTable(
  "custom_domains",
  {
    id: text("id").primaryKey(),
    instanceId: text("instance_id")
      .notNull()
      .references(() => instances.id, { onDelete: "cascade" }),
    /** Lower-case, no trailing dot. */
    hostname: text("hostname").notNull(),
    /** The value the owner publishes in a TXT record to prove the domain is theirs. */
    verifyToken: text("verify_token").notNull(),
    status: text("status", { enum: domainStatuses }).notNull().default("pending"),
    /** The instance's primary domain: PocketBase's app URL (mail links, OAuth redirects) uses it. */
    isPrimary: integer("is_primary", { mode: "boolean" }).notNull().default(false),
    /** Why the last check did not verify it (shown to the owner); null after a successful check. */
    lastError: text("last_error"),
    checkedAt: integer("checked_at", { mode: "timestamp_ms" }),
    verifiedAt: integer("verified_at", { mode: "timestamp_ms" }),
    createdAt: createdAt(),
  },
  (t) => [
    index("custom_domains_instance_idx").on(t.instanceId),
    // Anyone may claim a name (so nobody can squat one by adding it first); only one claim can be
    // verified, i.e. routed: the one whose TXT token the name's DNS publishes.
    uniqueIndex("custom_domains_verified_hostname_idx")
      .on(t.hostname)
      .where(sql`${t.status} = 'verified'`),
    uniqueIndex("custom_domains_instance_hostname_idx").on(t.instanceId, t.hostname),
  ],
);

export type User = typeof users.$inferSelect;
export type Instance = typeof instances.$inferSelect;
export type NewInstance = typeof instances.$inferInsert;
export type ApiKey = typeof apiKeys.$inferSelect;
export type InstanceEvent = typeof instanceEvents.$inferSelect;
export type Snapshot = typeof snapshots.$inferSelect;
export type Deploy = typeof deploys.$inferSelect;
export type DeployStatus = (typeof deployStatuses)[number];
export type InstanceSecret = typeof instanceSecrets.$inferSelect;
export type AccountToken = typeof accountTokens.$inferSelect;
export type EmailToken = typeof emailTokens.$inferSelect;
export type EmailTokenPurpose = (typeof emailTokenPurposes)[number];
export type CustomDomain = typeof customDomains.$inferSelect;
export type NodeRow = typeof nodes.$inferSelect;
export type Lease = typeof leases.$inferSelect;
export type DomainStatus = (typeof domainStatuses)[number];
export type InstanceStatus = (typeof instanceStatuses)[number];
export type DesiredState = (typeof desiredStates)[number];

/**
 * Values that only ever grow (e.g. the last tenant uid handed out): a deleted instance's uid is
 * never given to a new one, so nothing a deleted tenant left behind can own a new tenant's files.
 */
export const counters = sqliteTable("counters", {
  name: text("name").primaryKey(),
  value: integer("value").notNull(),
});
