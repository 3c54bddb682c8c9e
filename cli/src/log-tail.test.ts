import { describe, expect, it } from "vitest";
import { newLines } from "./log-tail";

describe("newLines", () => {
  it.each([
    { name: "nothing new", prev: ["a", "b"], next: ["a", "b"], expected: [] },
    { name: "lines appended to a log shorter than the window", prev: ["a", "b"], next: ["a", "b", "c"], expected: ["c"] },
    { name: "the window slid", prev: ["a", "b", "c"], next: ["b", "c", "d"], expected: ["d"] },
    { name: "the window slid by more than one", prev: ["a", "b", "c"], next: ["c", "d", "e"], expected: ["d", "e"] },
    { name: "repeated lines in the overlap", prev: ["x", "x", "y"], next: ["x", "y", "x"], expected: ["x"] },
    { name: "a repeated last line appended", prev: ["a", "x"], next: ["a", "x", "x"], expected: ["x"] },
    { name: "no overlap: more than a window arrived", prev: ["a", "b"], next: ["c", "d"], expected: ["c", "d"] },
    { name: "first fetch", prev: [], next: ["a"], expected: ["a"] },
    { name: "empty log", prev: ["a"], next: [], expected: [] },
  ])("$name", ({ prev, next, expected }) => {
    expect(newLines(prev, next)).toEqual(expected);
  });
});
