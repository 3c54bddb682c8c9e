import { Hono } from "hono";
import type { Cluster } from "../cluster/cluster";

/** `GET /v1/cluster/nodes`: the nodes sharing the control DB, as this node saw them at its last heartbeat. */
export function clusterApi({ cluster }: { cluster: Pick<Cluster, "nodeId" | "peers"> }) {
  return new Hono().get("/nodes", (c) =>
    c.json({
      self: cluster.nodeId,
      nodes: cluster.peers().map((n) => ({
        id: n.id,
        gatewayUrl: n.gatewayUrl,
        apiUrl: n.apiUrl,
        capacity: n.capacity,
        leases: n.leases,
        draining: n.draining,
        live: n.live,
        heartbeatAgeMs: n.heartbeatAgeMs,
      })),
    }),
  );
}
