import { describe, expect, it } from "vitest";
import { generationsToKeep, NEWEST_KEPT } from "./retention";

const HOUR = 3_600_000;
const now = Date.parse("2026-11-26T12:00:00Z");

describe("generationsToKeep", () => {
  it("keeps the newest ones whatever their age", () => {
    const stored = Array.from({ length: NEWEST_KEPT + 5 }, (_, i) => ({ generation: i + 1, createdAt: new Date(now - 400 * 24 * HOUR + i) }));
    const keep = generationsToKeep(stored, now, 7 * 24 * HOUR);
    expect([...keep].sort((a, b) => a - b)).toEqual(stored.slice(-NEWEST_KEPT).map((s) => s.generation));
  });

  it("keeps the newest of every hour inside the window and nothing older than it", () => {
    // One generation every 10 minutes for 10 days.
    const stored = Array.from({ length: 6 * 24 * 10 }, (_, i) => ({ generation: i + 1, createdAt: new Date(now - (6 * 24 * 10 - i) * 10 * 60_000) }));
    const window = 7 * 24 * HOUR;
    const keep = generationsToKeep(stored, now, window);
    const kept = stored.filter((s) => keep.has(s.generation));
    const hourly = kept.filter((s) => !stored.slice(-NEWEST_KEPT).includes(s));
    expect(hourly.every((s) => now - s.createdAt.getTime() <= window)).toBe(true);
    const hours = hourly.map((s) => Math.floor(s.createdAt.getTime() / HOUR));
    expect(new Set(hours).size).toBe(hours.length); // one per hour
    expect(hours.length).toBeGreaterThanOrEqual(7 * 24 - 2); // less the hour the newest ones cover, and a partial first hour
    // Each kept hourly generation is the newest of its hour.
    for (const s of hourly) {
      const sameHour = stored.filter((o) => Math.floor(o.createdAt.getTime() / HOUR) === Math.floor(s.createdAt.getTime() / HOUR));
      expect(s.generation).toBe(Math.max(...sameHour.map((o) => o.generation)));
    }
  });
});
