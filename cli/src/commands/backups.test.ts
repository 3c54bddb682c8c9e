import { describe, expect, it } from "vitest";
import { UsageError } from "../errors";
import { parseMoment } from "./backups";

describe("parseMoment", () => {
  const now = Date.parse("2026-11-26T12:00:00Z");

  it("reads an ISO date-time, with or without a zone offset", () => {
    expect(parseMoment("2026-11-26T10:30:00Z", now)).toBe("2026-11-26T10:30:00.000Z");
    expect(parseMoment("2026-11-26T11:30:00+01:00", now)).toBe("2026-11-26T10:30:00.000Z");
  });

  it("reads a time ago in seconds, minutes, hours or days", () => {
    expect(parseMoment("90s", now)).toBe("2026-11-26T11:58:30.000Z");
    expect(parseMoment("15m", now)).toBe("2026-11-26T11:45:00.000Z");
    expect(parseMoment("2h", now)).toBe("2026-11-26T10:00:00.000Z");
    expect(parseMoment("3d", now)).toBe("2026-11-23T12:00:00.000Z");
  });

  it("refuses anything else as a usage error", () => {
    for (const bad of ["yesterday", "15 minutes", "-5m", ""]) expect(() => parseMoment(bad, now)).toThrow(UsageError);
  });
});
