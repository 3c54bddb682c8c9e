import type { NodeStatus } from "./cluster";
import type { PeerNode } from "./cluster-store";

/** Marks an internal API request one node passed to another: it is answered there, never passed on again. */
export const FORWARDED_HEADER = "x-picobase-forwarded";

/** How long a drain waits for another node to start a moved instance (its requests wait that long at most). */
const START_TIMEOUT_MS = 60_000;

/** Calls other nodes' internal APIs with the token every node shares. */
export function createPeerApi(token: string) {
  const headers = { authorization: `Bearer ${token}`, [FORWARDED_HEADER]: "1" };

  async function call(node: PeerNode, method: string, route: string, signal: AbortSignal): Promise<unknown> {
    const res = await fetch(`${node.apiUrl}${route}`, { method, headers, signal });
    const body = (await res.json().catch(() => ({}))) as { error?: { message?: string } };
    if (!res.ok) throw new Error(`node ${node.id} answered ${res.status}: ${body.error?.message ?? "no details"}`);
    return body;
  }

  return {
    /** Whether the peer reaches the control DB (the DB-outage check of cluster.ts). */
    status: async (node: PeerNode, signal: AbortSignal) => (await call(node, "GET", "/v1/cluster/status", signal)) as NodeStatus,
    /** Starts the instance on the peer and waits until it runs there (a drain's move), at most START_TIMEOUT_MS. */
    start: async (node: PeerNode, instanceId: string) => {
      await call(node, "POST", `/v1/instances/${encodeURIComponent(instanceId)}/start?wait=1`, AbortSignal.timeout(START_TIMEOUT_MS));
    },
  };
}

export type PeerApi = ReturnType<typeof createPeerApi>;
