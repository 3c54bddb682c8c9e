import { createHash } from "node:crypto";
import type { PeerNode } from "./cluster-store";

/** A stable pseudo-random rank of a node for an instance, so ties spread instances over nodes the same way on every node. */
function rank(instanceId: string, nodeId: string): number {
  return createHash("sha256").update(`${instanceId}\0${nodeId}`).digest().readUInt32BE(0);
}

/**
 * Where an instance without a live holder should run: the live, non-draining node with the most
 * free capacity (capacity minus the leases it holds), ties broken by a hash of instance and node.
 * Undefined when every node is full, draining or dead.
 */
export function chooseNode(nodes: readonly PeerNode[], instanceId: string): PeerNode | undefined {
  let best: PeerNode | undefined;
  for (const node of nodes) {
    if (!node.live || node.draining || node.leases >= node.capacity) continue;
    if (!best) {
      best = node;
      continue;
    }
    const free = node.capacity - node.leases;
    const bestFree = best.capacity - best.leases;
    if (free > bestFree || (free === bestFree && rank(instanceId, node.id) > rank(instanceId, best.id))) best = node;
  }
  return best;
}
