import { describe, expect, it } from "vitest";
import { decide } from "./reconciler";

describe("decide", () => {
  it.each([
    ["running", "stopped", false, true, "start"],
    ["running", "running", false, true, "start"], // orchestrator restarted: bring it back
    ["running", "running", true, true, null],
    ["running", "failed", false, true, null],
    ["running", "sync_failed", false, true, "retry-upload"],
    ["running", "sync_failed", false, false, null],
    ["stopped", "running", true, true, "stop"],
    ["stopped", "running", false, true, "flush"],
    ["stopped", "stopping", false, true, "flush"],
    ["stopped", "starting", false, true, "flush"],
    ["stopped", "stopped", false, true, null],
    ["stopped", "sync_failed", false, true, "retry-upload"],
    ["stopped", "sync_failed", false, false, null],
  ] as const)("desired %s, status %s, live %s, retry due %s → %s", (desiredState, status, live, due, expected) => {
    expect(decide({ desiredState, status }, live, due)).toBe(expected);
  });
});
