import fs from "node:fs/promises";
import type { StorageConfig } from "../config";
import type { Logger } from "../logger";
import type { ObjectStorage } from "../storage/object-storage";
import { createReplication, type Replication } from "./replication";

export type ReplicationSettings = {
  mode: "auto" | "on" | "off";
  binary: string;
  workDir: string;
  restoreWindowMs: number;
  snapshotIntervalMs: number;
};

/**
 * Starts the node's Litestream when replication is wanted: "on" requires its binary, "auto" uses
 * it when installed (`npm install` builds it when Go is present) and says so when it is not.
 */
export async function resolveReplication(
  settings: ReplicationSettings,
  deps: {
    storageConfig: StorageConfig;
    storage: ObjectStorage;
    log: Logger;
    lineages: (instanceId: string) => Promise<{ lineage: number; previousLineage: number }>;
  },
): Promise<Replication | undefined> {
  if (settings.mode === "off") return undefined;
  const installed = await fs.access(settings.binary, fs.constants.X_OK).then(
    () => true,
    () => false,
  );
  if (!installed) {
    const message = `Litestream is not installed at ${settings.binary} (npm install builds it; needs Go >= 1.25)`;
    if (settings.mode === "on") throw new Error(`REPLICATION=on but ${message}`);
    deps.log.warn(`${message}: instances are protected by periodic snapshots only`);
    return undefined;
  }
  return createReplication({ ...deps, ...settings, log: deps.log.child({ component: "replication" }) });
}
