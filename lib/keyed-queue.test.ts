import { describe, expect, it } from "vitest";
import { createKeyedQueue } from "./keyed-queue";

const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("createKeyedQueue", () => {
  it("serializes tasks of one key and keeps order", async () => {
    const q = createKeyedQueue();
    const order: string[] = [];
    const a = q.run("x", async () => (await tick(20), order.push("a")));
    const b = q.run("x", async () => order.push("b"));
    await Promise.all([a, b]);
    expect(order).toEqual(["a", "b"]);
    expect(q.busy("x")).toBe(false);
  });

  it("runs different keys concurrently", async () => {
    const q = createKeyedQueue();
    const order: string[] = [];
    const a = q.run("x", async () => (await tick(20), order.push("x")));
    const b = q.run("y", async () => order.push("y"));
    await Promise.all([a, b]);
    expect(order).toEqual(["y", "x"]);
  });

  it("continues after a failed task and reports the failure to its caller", async () => {
    const q = createKeyedQueue();
    const failed = q.run("x", async () => {
      throw new Error("boom");
    });
    const next = q.run("x", async () => "ok");
    await expect(failed).rejects.toThrow("boom");
    await expect(next).resolves.toBe("ok");
  });
});
