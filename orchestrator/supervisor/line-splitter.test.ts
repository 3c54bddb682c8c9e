import { describe, expect, it } from "vitest";
import { createLineSplitter } from "./line-splitter";

function split(chunks: string[], max?: number): string[] {
  const lines: string[] = [];
  const splitter = createLineSplitter((l) => lines.push(l), max);
  for (const c of chunks) splitter.push(c);
  splitter.flush();
  return lines;
}

describe("line splitter", () => {
  it.each([
    [["a\nb\n"], ["a", "b"]],
    [
      ["a", "b\nc"],
      ["ab", "c"],
    ],
    [
      ["x\r\n", "\n"],
      ["x", ""],
    ],
    [[""], []],
    [["tail"], ["tail"]],
  ])("%j → %j", (chunks, lines) => {
    expect(split(chunks)).toEqual(lines);
  });

  it("wraps overlong lines, with or without a newline", () => {
    expect(split(["abcdefg\n"], 3)).toEqual(["abc", "def", "g"]);
    expect(split(["abcdefg"], 3)).toEqual(["abc", "def", "g"]);
    expect(split(["ab", "cd", "e\n"], 3)).toEqual(["abc", "de"]);
  });
});
