/** How one instance's continuous replication stands (orchestrator/replication), as the APIs return it. */
export type ReplicationStatus =
  | { state: "off" }
  | {
      state: "replicating";
      /** When the newest transaction in the store was captured (Litestream ships within a second or so). */
      lastReplicatedAt: string | null;
      /** Age of the oldest transaction not yet in the store: above a few seconds the store is unreachable or slow. */
      lagSeconds: number;
      /** Transactions captured locally and not yet in the store. */
      pendingTransactions: number;
      error: string | null;
    };

/** The span an instance's database can be restored to (its replica in the store); null without one. */
export type RestoreWindow = { from: string; to: string } | null;

/** A stored snapshot generation as listed on the backups page. */
type SnapshotJson = { generation: number; createdAt: string; sizeBytes: number; reason: string | null };

/** What the backups page shows: replication, the continuous restore window, and stored snapshots. */
export type BackupsOverview = {
  replication: ReplicationStatus;
  window: RestoreWindow;
  restoreWindowDays: number;
  snapshots: SnapshotJson[];
};
