import { describe, expect, it } from "vitest";
import type { ManifestDatabase } from "./manifest";
import { useReplica } from "./restore";

const copy = (replicaTxid?: number, replicaLineage?: number): ManifestDatabase => ({
  name: "data.db",
  key: "k",
  sha256: "0".repeat(64),
  size: 1,
  compressedSize: 1,
  replicaTxid,
  replicaLineage,
});
const replica = (txid: number, pointInTime = false, lineage = 0) => ({ lineage, txid, pointInTime, restoreTo: async () => undefined });

describe("useReplica: where a restore takes data.db from", () => {
  it("uses the snapshot copy without a replica, or with an empty one", () => {
    expect(useReplica(undefined, copy(3))).toBe(false);
    expect(useReplica(replica(0), copy())).toBe(false);
  });

  it("uses the copy when it is at least as new as the replica (a clean stop)", () => {
    expect(useReplica(replica(7), copy(7))).toBe(false);
    expect(useReplica(replica(7), copy(9))).toBe(false);
  });

  it("uses the replica when it is newer than the copy (a lost host), when the copy predates replication, or when there is no copy", () => {
    expect(useReplica(replica(8), copy(7))).toBe(true);
    expect(useReplica(replica(1), copy())).toBe(true);
    expect(useReplica(replica(1), undefined)).toBe(true);
  });

  it("compares lineages first: a later lineage (a takeover) is newer than any copy of an earlier one, whatever the counts", () => {
    expect(useReplica(replica(2, false, 7), copy(500))).toBe(true);
    expect(useReplica(replica(2, false, 7), copy(500, 3))).toBe(true);
    expect(useReplica(replica(900, false, 3), copy(2, 7))).toBe(false); // a copy taken under a newer lineage
    expect(useReplica(replica(9, false, 7), copy(8, 7))).toBe(true);
  });

  it("always uses the replica for a restore to a point in time", () => {
    expect(useReplica(replica(7, true), copy(9))).toBe(true);
  });
});
