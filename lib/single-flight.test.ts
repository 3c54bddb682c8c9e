import { describe, expect, it } from "vitest";
import { createSingleFlight } from "./single-flight";

const deferred = <T>() => {
  let resolve!: (value: T) => void;
  let reject!: (err: unknown) => void;
  const promise = new Promise<T>((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
};

describe("single flight", () => {
  it("shares the run in flight per key, runs other keys apart, and runs again once settled", async () => {
    const flight = createSingleFlight<string>();
    const gate = deferred<string>();
    let runs = 0;
    const task = () => (runs++, gate.promise);
    const [a, b] = [flight.run("x", task), flight.run("x", task)];
    expect(a).toBe(b);
    expect(flight.has("x")).toBe(true);
    const other = flight.run("y", () => Promise.resolve("y"));
    expect(runs).toBe(0); // started on the next tick, never synchronously inside run()
    gate.resolve("done");
    expect(await Promise.all([a, b, other])).toEqual(["done", "done", "y"]);
    expect(runs).toBe(1);
    expect(flight.has("x")).toBe(false);
    expect(await flight.run("x", () => Promise.resolve("again"))).toBe("again");
  });

  it("shares a failure with every waiting caller and does not keep it", async () => {
    const flight = createSingleFlight<number>();
    const gate = deferred<number>();
    const calls = [flight.run("k", () => gate.promise), flight.run("k", () => Promise.resolve(2))];
    expect(flight.pending()).toHaveLength(1);
    gate.reject(new Error("boom"));
    for (const call of calls) await expect(call).rejects.toThrow("boom");
    expect(await flight.run("k", () => Promise.resolve(3))).toBe(3);
  });

  it("turns a task that throws synchronously into a shared rejection", async () => {
    const flight = createSingleFlight<number>();
    await expect(
      flight.run("k", () => {
        throw new Error("sync");
      }),
    ).rejects.toThrow("sync");
    expect(flight.has("k")).toBe(false);
  });
});
