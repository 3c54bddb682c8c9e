import { describe, expect, it } from "vitest";
import { isInRange, portRange, preferredPort } from "./port-choice";

const range = { from: 9000, to: 9009 };

describe("port choice", () => {
  it("turns base and range into an inclusive range", () => {
    expect(portRange({ base: 9000, range: 10 })).toEqual(range);
    expect(() => portRange({ base: 80, range: 10 })).toThrow(RangeError);
    expect(() => portRange({ base: 65_530, range: 10 })).toThrow(RangeError);
    expect(() => portRange({ base: 9000, range: 0 })).toThrow(RangeError);
  });

  it.each([
    [9000, true],
    [9009, true],
    [9010, false],
    [8999, false],
    [9000.5, false],
  ])("%d in range: %s", (port, inside) => {
    expect(isInRange(port, range)).toBe(inside);
  });

  it.each([
    [undefined, [], undefined],
    [9003, [], 9003],
    [9003, [9003], undefined],
    [9100, [], undefined],
  ])("previous %s with owned %j prefers %s", (previous, owned, expected) => {
    expect(preferredPort(previous, new Set(owned), range)).toBe(expected);
  });
});
