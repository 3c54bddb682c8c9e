import { Hono } from "hono";
import type { Cluster } from "../cluster/cluster";
import type { Drain } from "../cluster/drain";

/**
 * The cluster routes of the internal API (docs/scale-out.md): the nodes as this one sees them,
 * whether it reaches the control DB (peers ask during an outage), and draining it for maintenance.
 */
export function clusterApi({ cluster, drain }: { cluster: Pick<Cluster, "nodeId" | "peers" | "status">; drain: Drain }) {
  return new Hono()
    .get("/nodes", (c) =>
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
    )
    .get("/status", (c) => c.json(cluster.status()))
    .get("/drain", (c) => c.json(drain.progress()))
    .post("/drain", async (c) => {
      const { progress, done } = await drain.start();
      if (c.req.query("wait") !== "1") return c.json(progress, 202);
      await done;
      return c.json(drain.progress());
    })
    .delete("/drain", async (c) => c.json(await drain.stop()));
}
