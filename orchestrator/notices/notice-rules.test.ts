import { describe, expect, it } from "vitest";
import { failureStatusOf, instancePageUrl, nearQuota } from "./notice-rules";

describe("nearQuota", () => {
  it.each([
    [{ usedBytes: 89, quotaBytes: 100 }, false],
    [{ usedBytes: 90, quotaBytes: 100 }, true],
    [{ usedBytes: 120, quotaBytes: 100 }, true],
    [{ usedBytes: 5, quotaBytes: 0 }, false], // quota unknown: never warn
  ])("%j → %s", (usage, expected) => expect(nearQuota(usage)).toBe(expected));
});

describe("failureStatusOf", () => {
  it.each([
    ["failed", "failed"],
    ["sync_failed", "sync_failed"],
    ["crashed", undefined],
    ["started", undefined],
  ])("%s → %s", (type, expected) => expect(failureStatusOf(type)).toBe(expected));
});

describe("instancePageUrl", () => {
  it("builds the link on the configured dashboard origin", () => {
    expect(instancePageUrl("https://app.example.com", "abc123")).toBe("https://app.example.com/dashboard/instances/abc123");
    expect(instancePageUrl("https://app.example.com/", "a/b")).toBe("https://app.example.com/dashboard/instances/a%2Fb");
  });
});
