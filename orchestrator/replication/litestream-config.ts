/** The settings of the node's one Litestream process (orchestrator/replication/litestream-daemon.ts). */
export type LitestreamSettings = {
  /** Its control socket (tenants are registered and unregistered through it). */
  socketPath: string;
  /** How far back a tenant's database can be restored. */
  restoreWindowMs: number;
  /** How often Litestream writes a full snapshot of each replicated database (bounds restore work). */
  snapshotIntervalMs: number;
};

const hours = (ms: number) => `${Math.max(1, Math.round(ms / 3_600_000))}h`;

/**
 * Litestream's configuration file. YAML is a superset of JSON, so it is written as JSON. It names no
 * database (tenants come and go through the control socket) and holds no secret (credentials are
 * in Litestream's environment). Retention is on: files older than the restore window are deleted
 * from the store while a tenant runs.
 */
export function litestreamConfig(settings: LitestreamSettings): string {
  const config = {
    socket: { enabled: true, path: settings.socketPath, permissions: 0o600 },
    snapshot: { interval: hours(settings.snapshotIntervalMs), retention: hours(settings.restoreWindowMs) },
    // Compaction and the level-0 retention check list each replica's files on every run, idle or
    // not: at Litestream's defaults (30 s, 15 s) that is ~6 requests a minute per tenant while it
    // runs. Less often keeps an idle tenant near zero; restores read level 0 until it is compacted.
    levels: [{ interval: "5m" }, { interval: "1h" }, { interval: "6h" }],
    "l0-retention-check-interval": "5m",
    retention: { enabled: true },
    logging: { level: "warn", type: "json", stderr: true },
    dbs: [],
  };
  return `${JSON.stringify(config, null, 2)}\n`;
}
