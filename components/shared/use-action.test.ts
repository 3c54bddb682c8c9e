import { describe, expect, it } from "vitest";
import { ApiError } from "./api";
import { runAction, type ActionOptions } from "./use-action";

/** Setters that log every state change, in order. */
function recorder() {
  const log: string[] = [];
  const setters = { setPending: (p: boolean) => log.push(`pending=${p}`), setError: (e: string | undefined) => log.push(`error=${e}`) };
  return { log, setters };
}

async function record(fn: () => Promise<unknown>, options?: ActionOptions) {
  const { log, setters } = recorder();
  const ok = await runAction(setters, fn, options);
  return { ok, log };
}

describe("runAction", () => {
  it("clears the error, is pending while fn runs, and clears pending on success", async () => {
    let during: string[] = [];
    const { log, setters } = recorder();
    const ok = await runAction(setters, async () => {
      during = [...log];
    });
    expect(ok).toBe(true);
    expect(during).toEqual(["error=undefined", "pending=true"]);
    expect(log).toEqual(["error=undefined", "pending=true", "pending=false"]);
  });

  it.each([
    { name: "an Error", thrown: new Error("Network down"), message: "Network down" },
    { name: "an ApiError", thrown: new ApiError("Name taken", 409), message: "Name taken" },
    { name: "a non-Error value", thrown: "plain string", message: "plain string" },
  ])("records the message of $name and resolves to false", async ({ thrown, message }) => {
    const { ok, log } = await record(() => Promise.reject(thrown));
    expect(ok).toBe(false);
    expect(log).toEqual(["error=undefined", "pending=true", `error=${message}`, "pending=false"]);
  });

  it("passes the error and its message to onError, only on failure", async () => {
    const seen: unknown[] = [];
    const fieldErrors = { name: ["Required"] };
    const thrown = new ApiError("Invalid input", 422, fieldErrors);
    await record(() => Promise.resolve(), { onError: (err, message) => seen.push(err, message) });
    expect(seen).toEqual([]);
    await record(() => Promise.reject(thrown), { onError: (err, message) => seen.push(err, message) });
    expect(seen).toEqual([thrown, "Invalid input"]);
  });

  it("keeps pending on success when asked (the page is navigating away), not on failure", async () => {
    const success = await record(() => Promise.resolve(), { keepPendingOnSuccess: true });
    expect(success).toEqual({ ok: true, log: ["error=undefined", "pending=true"] });
    const failure = await record(() => Promise.reject(new Error("No")), { keepPendingOnSuccess: true });
    expect(failure).toEqual({ ok: false, log: ["error=undefined", "pending=true", "error=No", "pending=false"] });
  });

  it("still clears pending when onError throws, and lets that throw through", async () => {
    const { log, setters } = recorder();
    const onError = () => {
      throw new Error("bug in onError");
    };
    await expect(runAction(setters, () => Promise.reject(new Error("No")), { onError })).rejects.toThrow("bug in onError");
    expect(log.at(-1)).toBe("pending=false");
  });
});
