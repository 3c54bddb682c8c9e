// The platform API's wire shapes as docs/api.md describes them (the CLI is published on its own,
// so it does not import the server's types).

type InstanceStatus = "stopped" | "starting" | "running" | "stopping" | "failed" | "sync_failed";

export type Instance = {
  id: string;
  name: string;
  subdomain: string;
  url: string;
  desiredState: "running" | "stopped";
  status: InstanceStatus;
  statusReason: string | null;
  deployId?: string | null;
  idleTimeoutMinutes: number | null;
  storageBytes: number | null;
  diskUsedBytes: number | null;
  diskQuotaBytes: number | null;
  lastStartedAt: string | null;
  lastStoppedAt: string | null;
  createdAt: string;
  updatedAt: string;
};

export type DeployStatus = "pending" | "deploying" | "live" | "failed" | "superseded" | "rolled_back";

export type Deploy = {
  id: string;
  instanceId: string;
  number: number;
  status: DeployStatus;
  author: string;
  sizeBytes: number;
  fileCount: number;
  message: string | null;
  createdAt: string;
  finishedAt: string | null;
};

/** An instance API key or an account token as listed (never the secret). */
export type BearerSecret = {
  id: string;
  name: string;
  prefix: string;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
};

export type Secret = { name: string; updatedAt: string };

/** GET /api/instances/:id/backups. */
export type Backups = {
  replication:
    { state: "off" } | { state: "replicating"; lastReplicatedAt: string | null; lagSeconds: number; pendingTransactions: number; error: string | null };
  window: { from: string; to: string } | null;
  restoreWindowDays: number;
  snapshots: { generation: number; createdAt: string; sizeBytes: number; reason: string | null }[];
};

/** A DNS record the owner of a custom domain creates at their DNS provider. */
export type DnsRecord = { type: "CNAME" | "TXT"; name: string; value: string };

/** A custom domain of an instance (GET /api/instances/:id/domains). */
export type Domain = {
  id: string;
  hostname: string;
  status: "pending" | "verified" | "lost";
  isPrimary: boolean;
  lastError: string | null;
  checkedAt: string | null;
  verifiedAt: string | null;
  createdAt: string;
  records: DnsRecord[];
};
