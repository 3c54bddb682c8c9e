import { describe, expect, it } from "vitest";
import { formatBytes, formatRelative } from "./utils";

describe("formatBytes", () => {
  it.each([
    [0, "0 B"],
    [1023, "1023 B"],
    [1536, "1.5 KB"],
    [184320, "180 KB"],
    [5 * 1024 * 1024, "5.0 MB"],
    [3 * 1024 ** 4, "3.0 TB"],
  ])("%i → %s", (bytes, text) => expect(formatBytes(bytes)).toBe(text));
});

describe("formatRelative", () => {
  const now = Date.parse("2030-01-10T12:00:00Z");
  it.each([
    [null, "never"],
    ["2030-01-10T11:59:30Z", "just now"],
    ["2030-01-10T11:59:00Z", "1 minute ago"],
    ["2030-01-10T11:15:00Z", "45 minutes ago"],
    ["2030-01-10T09:00:00Z", "3 hours ago"],
    ["2030-01-08T12:00:00Z", "2 days ago"],
    ["2029-10-10T12:00:00Z", "3 months ago"],
    ["2027-01-10T12:00:00Z", "3 years ago"],
  ])("%s → %s", (iso, text) => expect(formatRelative(iso, now)).toBe(text));
});
