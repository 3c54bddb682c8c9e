import { describe, expect, it } from "vitest";
import type { PeerNode } from "./cluster-store";
import { chooseNode } from "./placement";

const node = (id: string, over: Partial<PeerNode> = {}): PeerNode => ({
  id,
  incarnation: "i",
  gatewayUrl: "http://127.0.0.1:1",
  apiUrl: "http://127.0.0.1:2",
  capacity: 100,
  leases: 0,
  draining: false,
  live: true,
  heartbeatAgeMs: 0,
  ...over,
});

describe("chooseNode", () => {
  it("takes the node with the most free capacity", () => {
    expect(chooseNode([node("a", { leases: 5 }), node("b", { leases: 2 }), node("c", { capacity: 4, leases: 0 })], "x")?.id).toBe("b");
  });

  it("skips dead, draining and full nodes, and answers undefined when none is left", () => {
    const nodes = [node("a", { live: false }), node("b", { draining: true }), node("c", { capacity: 3, leases: 3 })];
    expect(chooseNode(nodes, "x")).toBeUndefined();
    expect(chooseNode([...nodes, node("d", { leases: 99 })], "x")?.id).toBe("d");
  });

  it("spreads ties over the nodes, the same way whatever the order of the list", () => {
    const nodes = [node("a"), node("b"), node("c")];
    const picks = new Map<string, number>();
    for (let i = 0; i < 300; i++) {
      const id = `instance-${i}`;
      const pick = chooseNode(nodes, id)?.id ?? "none";
      expect(chooseNode([...nodes].reverse(), id)?.id).toBe(pick);
      picks.set(pick, (picks.get(pick) ?? 0) + 1);
    }
    expect([...picks.keys()].sort()).toEqual(["a", "b", "c"]);
    for (const count of picks.values()) expect(count).toBeGreaterThan(60);
  });

  it("places 60 instances one after another evenly when each placement is counted", () => {
    const nodes = [node("a"), node("b"), node("c")];
    for (let i = 0; i < 60; i++) {
      const pick = chooseNode(nodes, `instance-${i}`);
      if (pick) pick.leases++;
    }
    expect(nodes.map((n) => n.leases)).toEqual([20, 20, 20]);
  });
});
